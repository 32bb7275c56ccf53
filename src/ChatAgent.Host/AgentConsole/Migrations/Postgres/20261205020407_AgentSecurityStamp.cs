using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChatAgent.Host.AgentConsole.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AgentSecurityStamp : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "security_stamp",
                table: "agent_accounts",
                type: "character varying(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "security_stamp",
                table: "agent_accounts");
        }
    }
}
