using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChatAgent.Host.AgentConsole.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class InitialAgentConsole : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "agent_accounts",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    user_name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    display_name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    role = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    password_hash = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    failed_sign_ins = table.Column<int>(type: "INTEGER", nullable: false),
                    locked_until = table.Column<DateTimeOffset>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_agent_accounts", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "agent_audit",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    actor = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    action = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    conversation_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    detail = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_agent_audit", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "agent_cases",
                columns: table => new
                {
                    conversation_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    escalated_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    reason = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    summary = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    assigned_to = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    claimed_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: true),
                    first_response_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: true),
                    closed_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: true),
                    outcome = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_agent_cases", x => x.conversation_id);
                });

            migrationBuilder.CreateTable(
                name: "agent_notes",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    conversation_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    author = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    text = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_agent_notes", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_agent_accounts_user_name",
                table: "agent_accounts",
                column: "user_name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_agent_audit_at",
                table: "agent_audit",
                column: "at");

            migrationBuilder.CreateIndex(
                name: "IX_agent_audit_conversation_id",
                table: "agent_audit",
                column: "conversation_id");

            migrationBuilder.CreateIndex(
                name: "IX_agent_cases_assigned_to",
                table: "agent_cases",
                column: "assigned_to");

            migrationBuilder.CreateIndex(
                name: "IX_agent_notes_conversation_id",
                table: "agent_notes",
                column: "conversation_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "agent_accounts");

            migrationBuilder.DropTable(
                name: "agent_audit");

            migrationBuilder.DropTable(
                name: "agent_cases");

            migrationBuilder.DropTable(
                name: "agent_notes");
        }
    }
}
