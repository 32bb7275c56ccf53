using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChatAgent.Shop.Search.Migrations.Sqlite
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
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Source = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    OrderKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Line = table.Column<int>(type: "INTEGER", nullable: false),
                    CustomerKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Sku = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    ProductId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Quantity = table.Column<int>(type: "INTEGER", nullable: false),
                    UnitPrice = table.Column<decimal>(type: "TEXT", precision: 12, scale: 2, nullable: true),
                    PurchasedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_catalog_purchases", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "catalog_search_documents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ProductId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Title = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    Body = table.Column<string>(type: "TEXT", nullable: false),
                    Tags = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    ContentHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Model = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Vector = table.Column<byte[]>(type: "BLOB", nullable: true),
                    IndexedAt = table.Column<long>(type: "INTEGER", nullable: false)
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

            // Keyword index: FTS5 with porter stemming over title and body, rowid = document Id, kept in step by triggers
            // so every write through EF Core updates it in the same transaction.
            migrationBuilder.Sql("""
                CREATE VIRTUAL TABLE catalog_search_fts USING fts5(title, body, tokenize = 'porter unicode61 remove_diacritics 2');
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER catalog_search_documents_ai AFTER INSERT ON catalog_search_documents BEGIN
                    INSERT INTO catalog_search_fts(rowid, title, body) VALUES (new."Id", new."Title", new."Body");
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER catalog_search_documents_ad AFTER DELETE ON catalog_search_documents BEGIN
                    DELETE FROM catalog_search_fts WHERE rowid = old."Id";
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER catalog_search_documents_au AFTER UPDATE OF "Title", "Body" ON catalog_search_documents BEGIN
                    DELETE FROM catalog_search_fts WHERE rowid = old."Id";
                    INSERT INTO catalog_search_fts(rowid, title, body) VALUES (new."Id", new."Title", new."Body");
                END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS catalog_search_documents_au;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS catalog_search_documents_ad;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS catalog_search_documents_ai;");
            migrationBuilder.Sql("DROP TABLE IF EXISTS catalog_search_fts;");

            migrationBuilder.DropTable(
                name: "catalog_purchases");

            migrationBuilder.DropTable(
                name: "catalog_search_documents");
        }
    }
}
