using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace ChatAgent.Shop.Search.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class InitialCatalogIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "catalog_purchases",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Source = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    OrderKey = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Line = table.Column<int>(type: "integer", nullable: false),
                    CustomerKey = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Sku = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    ProductId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Quantity = table.Column<int>(type: "integer", nullable: false),
                    UnitPrice = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: true),
                    PurchasedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_catalog_purchases", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "catalog_search_documents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ProductId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Title = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    Body = table.Column<string>(type: "text", nullable: false),
                    Tags = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    ContentHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Model = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Vector = table.Column<byte[]>(type: "bytea", nullable: true),
                    IndexedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_catalog_search_documents", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_catalog_purchases_CustomerKey",
                table: "catalog_purchases",
                column: "CustomerKey");

            migrationBuilder.CreateIndex(
                name: "IX_catalog_purchases_Source_OrderKey_Line",
                table: "catalog_purchases",
                columns: new[] { "Source", "OrderKey", "Line" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_catalog_search_documents_ProductId",
                table: "catalog_search_documents",
                column: "ProductId",
                unique: true);

            // Keyword index: PostgreSQL's own full-text search (english stemming), title weighted above body, kept current
            // by the database as a generated column.
            migrationBuilder.Sql("""
                ALTER TABLE catalog_search_documents ADD COLUMN "SearchVector" tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('english', coalesce("Title", '')), 'A') || setweight(to_tsvector('english', coalesce("Body", '')), 'B')) STORED;
                """);
            migrationBuilder.Sql("""
                CREATE INDEX "IX_catalog_search_documents_SearchVector" ON catalog_search_documents USING GIN ("SearchVector");
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "catalog_purchases");

            migrationBuilder.DropTable(
                name: "catalog_search_documents");
        }
    }
}
