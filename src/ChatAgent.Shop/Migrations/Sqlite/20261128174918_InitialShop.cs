using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChatAgent.Shop.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class InitialShop : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "shop_conversations",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    BoundCustomerId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    VerifiedCustomerId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    VerificationMethod = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    VerifiedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    FailedVerificationAttempts = table.Column<int>(type: "INTEGER", nullable: false),
                    NeedsHuman = table.Column<bool>(type: "INTEGER", nullable: false),
                    NeedsHumanReason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    CustomerMessageCount = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_shop_conversations", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "shop_customers",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    FirstName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    LastName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Email = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Address1 = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Address2 = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    City = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Country = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Zip = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_shop_customers", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "shop_pending_changes",
                columns: table => new
                {
                    Handle = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ConversationId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    CustomerId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Action = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    OrderId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    ArgumentsJson = table.Column<string>(type: "TEXT", nullable: false),
                    SummaryJson = table.Column<string>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ProposedAtMessage = table.Column<int>(type: "INTEGER", nullable: false),
                    ConfirmedAtMessage = table.Column<int>(type: "INTEGER", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    DecidedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ResultJson = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_shop_pending_changes", x => x.Handle);
                });

            migrationBuilder.CreateTable(
                name: "shop_products",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    Description = table.Column<string>(type: "TEXT", nullable: true),
                    Category = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    Vendor = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_shop_products", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "shop_orders",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    CustomerId = table.Column<string>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CancelReason = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ReturnItemIds = table.Column<string>(type: "TEXT", nullable: false),
                    ReturnPaymentMethodId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ExchangeItemIds = table.Column<string>(type: "TEXT", nullable: false),
                    ExchangeNewItemIds = table.Column<string>(type: "TEXT", nullable: false),
                    ExchangePaymentMethodId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ExchangePriceDifference = table.Column<decimal>(type: "TEXT", precision: 12, scale: 2, nullable: true),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    ShipAddress1 = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    ShipAddress2 = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    ShipCity = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    ShipCountry = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    ShipState = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    ShipZip = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_shop_orders", x => x.Id);
                    table.ForeignKey(
                        name: "FK_shop_orders_shop_customers_CustomerId",
                        column: x => x.CustomerId,
                        principalTable: "shop_customers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "shop_payment_methods",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CustomerId = table.Column<string>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Brand = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    LastFour = table.Column<string>(type: "TEXT", maxLength: 4, nullable: true),
                    Balance = table.Column<decimal>(type: "TEXT", precision: 12, scale: 2, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_shop_payment_methods", x => x.Id);
                    table.ForeignKey(
                        name: "FK_shop_payment_methods_shop_customers_CustomerId",
                        column: x => x.CustomerId,
                        principalTable: "shop_customers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "shop_variants",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ProductId = table.Column<string>(type: "TEXT", nullable: false),
                    Options = table.Column<string>(type: "TEXT", nullable: false),
                    Price = table.Column<decimal>(type: "TEXT", precision: 12, scale: 2, nullable: false),
                    Available = table.Column<bool>(type: "INTEGER", nullable: false),
                    Sku = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_shop_variants", x => x.Id);
                    table.ForeignKey(
                        name: "FK_shop_variants_shop_products_ProductId",
                        column: x => x.ProductId,
                        principalTable: "shop_products",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "shop_fulfillments",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    OrderId = table.Column<string>(type: "TEXT", nullable: false),
                    TrackingIds = table.Column<string>(type: "TEXT", nullable: false),
                    ItemIds = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_shop_fulfillments", x => x.Id);
                    table.ForeignKey(
                        name: "FK_shop_fulfillments_shop_orders_OrderId",
                        column: x => x.OrderId,
                        principalTable: "shop_orders",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "shop_order_items",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    OrderId = table.Column<string>(type: "TEXT", nullable: false),
                    Line = table.Column<int>(type: "INTEGER", nullable: false),
                    ProductId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ItemId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    Price = table.Column<decimal>(type: "TEXT", precision: 12, scale: 2, nullable: false),
                    Options = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_shop_order_items", x => x.Id);
                    table.ForeignKey(
                        name: "FK_shop_order_items_shop_orders_OrderId",
                        column: x => x.OrderId,
                        principalTable: "shop_orders",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "shop_payment_transactions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    OrderId = table.Column<string>(type: "TEXT", nullable: false),
                    Sequence = table.Column<int>(type: "INTEGER", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Amount = table.Column<decimal>(type: "TEXT", precision: 12, scale: 2, nullable: false),
                    PaymentMethodId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_shop_payment_transactions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_shop_payment_transactions_shop_orders_OrderId",
                        column: x => x.OrderId,
                        principalTable: "shop_orders",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_shop_customers_Email",
                table: "shop_customers",
                column: "Email");

            migrationBuilder.CreateIndex(
                name: "IX_shop_customers_LastName_FirstName",
                table: "shop_customers",
                columns: new[] { "LastName", "FirstName" });

            migrationBuilder.CreateIndex(
                name: "IX_shop_fulfillments_OrderId",
                table: "shop_fulfillments",
                column: "OrderId");

            migrationBuilder.CreateIndex(
                name: "IX_shop_order_items_ItemId",
                table: "shop_order_items",
                column: "ItemId");

            migrationBuilder.CreateIndex(
                name: "IX_shop_order_items_OrderId",
                table: "shop_order_items",
                column: "OrderId");

            migrationBuilder.CreateIndex(
                name: "IX_shop_order_items_ProductId",
                table: "shop_order_items",
                column: "ProductId");

            migrationBuilder.CreateIndex(
                name: "IX_shop_orders_CustomerId_CreatedAt",
                table: "shop_orders",
                columns: new[] { "CustomerId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_shop_payment_methods_CustomerId",
                table: "shop_payment_methods",
                column: "CustomerId");

            migrationBuilder.CreateIndex(
                name: "IX_shop_payment_transactions_OrderId",
                table: "shop_payment_transactions",
                column: "OrderId");

            migrationBuilder.CreateIndex(
                name: "IX_shop_pending_changes_ConversationId_Status",
                table: "shop_pending_changes",
                columns: new[] { "ConversationId", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_shop_products_Name",
                table: "shop_products",
                column: "Name");

            migrationBuilder.CreateIndex(
                name: "IX_shop_variants_ProductId",
                table: "shop_variants",
                column: "ProductId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "shop_conversations");

            migrationBuilder.DropTable(
                name: "shop_fulfillments");

            migrationBuilder.DropTable(
                name: "shop_order_items");

            migrationBuilder.DropTable(
                name: "shop_payment_methods");

            migrationBuilder.DropTable(
                name: "shop_payment_transactions");

            migrationBuilder.DropTable(
                name: "shop_pending_changes");

            migrationBuilder.DropTable(
                name: "shop_variants");

            migrationBuilder.DropTable(
                name: "shop_orders");

            migrationBuilder.DropTable(
                name: "shop_products");

            migrationBuilder.DropTable(
                name: "shop_customers");
        }
    }
}
