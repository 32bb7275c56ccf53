using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChatAgent.Shop.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class TurnDecisions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "LastDecidedMessageId",
                table: "shop_conversations",
                type: "character varying(128)",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LastDecisionJson",
                table: "shop_conversations",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "LastDecidedMessageId",
                table: "shop_conversations");

            migrationBuilder.DropColumn(
                name: "LastDecisionJson",
                table: "shop_conversations");
        }
    }
}
