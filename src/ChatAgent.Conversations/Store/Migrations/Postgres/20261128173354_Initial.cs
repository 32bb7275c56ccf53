using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChatAgent.Conversations.Store.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "conversations",
                columns: table => new
                {
                    id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    channel_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    service_url = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true),
                    user_id = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    last_sequence = table.Column<long>(type: "bigint", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_conversations", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "activities",
                columns: table => new
                {
                    conversation_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    sequence = table.Column<long>(type: "bigint", nullable: false),
                    activity_id = table.Column<string>(type: "character varying(96)", maxLength: 96, nullable: false),
                    type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    from_id = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    from_role = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    timestamp = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    pending_turn = table.Column<bool>(type: "boolean", nullable: false),
                    json = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_activities", x => new { x.conversation_id, x.sequence });
                    table.ForeignKey(
                        name: "FK_activities_conversations_conversation_id",
                        column: x => x.conversation_id,
                        principalTable: "conversations",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_activities_activity_id",
                table: "activities",
                column: "activity_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_activities_pending_turn",
                table: "activities",
                column: "pending_turn",
                filter: "pending_turn");

            migrationBuilder.CreateIndex(
                name: "IX_conversations_status",
                table: "conversations",
                column: "status");

            migrationBuilder.CreateIndex(
                name: "IX_conversations_updated_at",
                table: "conversations",
                column: "updated_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "activities");

            migrationBuilder.DropTable(
                name: "conversations");
        }
    }
}
