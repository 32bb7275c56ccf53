using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChatAgent.Host.AgentConsole.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AgentCaseRatings : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "rated_at",
                table: "agent_cases",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "rating",
                table: "agent_cases",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "rating_comment",
                table: "agent_cases",
                type: "TEXT",
                maxLength: 2000,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "rated_at",
                table: "agent_cases");

            migrationBuilder.DropColumn(
                name: "rating",
                table: "agent_cases");

            migrationBuilder.DropColumn(
                name: "rating_comment",
                table: "agent_cases");
        }
    }
}
