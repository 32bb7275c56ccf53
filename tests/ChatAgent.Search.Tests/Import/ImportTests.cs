using ChatAgent.Shop.Import;
using ChatAgent.Shop.Search;
using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Search.Tests.Import;

/// <summary>Imports validate every row, report rejected rows with reasons, keep going, and are idempotent.</summary>
public sealed class ImportTests
{
    private const string ShopifyCsv = """
        Handle,Title,Body (HTML),Vendor,Type,Tags,Published,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,Variant SKU,Variant Inventory Tracker,Variant Inventory Qty,Variant Inventory Policy,Variant Price,Image Src
        trail-jacket,Trail Jacket,"<p>Light <b>waterproof</b> shell,
        packs into its own pocket.</p>",Northwind,Jackets,"rain, hiking, outdoor",TRUE,Color,Blue,Size,M,,,TJ-BLU-M,shopify,4,deny,89.00,https://example.com/a.jpg
        trail-jacket,,,,,,,,Blue,,L,,,TJ-BLU-L,shopify,0,deny,89.00,
        trail-jacket,,,,,,,,Red,,M,,,TJ-RED-M,shopify,0,continue,92.50,
        trail-jacket,,,,,,,,Red,,M,,,TJ-RED-M2,shopify,3,deny,92.50,
        trail-jacket,,,,,,,,Green,,S,,,TJ-GRN-S,shopify,2,deny,not-a-price,
        trail-jacket,,,,,,,,,,,,,,,,,,https://example.com/b.jpg
        ,Orphan row,,,,,,,,,,,,X-1,shopify,1,deny,5.00,
        mug,,,,,,,Title,Default Title,,,,,MUG-1,shopify,1,deny,12.00,
        socks,Wool Socks,Warm merino socks,Northwind,Socks,winter,TRUE,Size,M,,,,,SOCK-M,shopify,many,deny,15.00,
        socks,,,,,,,,L,,,,,SOCK-L,shopify,10,deny,15.00,
        """;

    [Fact]
    public async Task Shopify_import_rejects_bad_rows_with_reasons_and_imports_the_rest()
    {
        await using var store = await TestStore.SqliteAsync();
        var file = await TempFile(ShopifyCsv);
        ImportReport report;
        await using (var db = store.Shop.CreateDbContext())
        {
            report = await new ShopifyProductImporter(db).ImportFileAsync(file);
        }

        Assert.Equal(4, report.Inserted);
        var reasons = report.Rejected.Select(r => r.Reason).ToList();
        Assert.Contains(reasons, r => r.StartsWith("duplicate variant Red/M of product trail-jacket", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.StartsWith("Variant Price is not a non-negative number: 'not-a-price'", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r == "missing Handle");
        Assert.Contains(reasons, r => r == "product mug has no Title on its first row");
        Assert.Contains(reasons, r => r.StartsWith("Variant Inventory Qty is not a whole number: 'many'", StringComparison.Ordinal));
        Assert.Equal(5, report.Rejected.Count);

        await using var check = store.Shop.CreateDbContext();
        var jacket = await check.Products.Include(p => p.Variants).SingleAsync(p => p.Id == "trail-jacket");
        Assert.Equal("Jackets", jacket.Category);
        Assert.Contains("packs into its own pocket", jacket.Description);
        Assert.Equal(["TJ-BLU-L", "TJ-BLU-M", "TJ-RED-M"], jacket.Variants.Select(v => v.Id).Order());
        Assert.False(jacket.Variants.Single(v => v.Id == "TJ-BLU-L").Available);
        Assert.True(jacket.Variants.Single(v => v.Id == "TJ-RED-M").Available); // out of stock, but the policy allows back-orders
        Assert.Equal("red", jacket.Variants.Single(v => v.Id == "TJ-RED-M").Options["color"].ToLowerInvariant());
    }

    [Fact]
    public async Task Shopify_import_twice_changes_nothing_and_tags_reach_search()
    {
        await using var store = await TestStore.SqliteAsync();
        var file = await TempFile(ShopifyCsv);
        for (var run = 0; run < 2; run++)
        {
            await using var db = store.Shop.CreateDbContext();
            var importer = new ShopifyProductImporter(db);
            var report = await importer.ImportFileAsync(file);
            await store.Indexer.SetTagsAsync(importer.Tags);
            var index = await store.Indexer.IndexAsync();
            if (run == 1)
            {
                Assert.Equal((0, 0, 4), (report.Inserted, report.Updated, report.AlreadyPresent));
                Assert.Equal(0, index.Embedded);
            }
        }
        var result = await store.Search.SearchAsync(new ProductSearchRequest("hiking", InStockOnly: true));
        Assert.Equal("trail-jacket", result.Hits[0].ProductId);
        Assert.DoesNotContain(result.Hits[0].MatchingVariants, v => v.VariantId == "TJ-BLU-L");
    }

    [Fact]
    public async Task Purchase_import_rejects_bad_lines_keeps_going_and_is_idempotent()
    {
        await using var store = await TestStore.SqliteAsync();
        await store.AddAsync(Catalog.Demo());
        var file = await TempFile("""
            order_id,customer_id,sku,quantity,purchased_at,unit_price
            A1,c1,p-kettle-0,1,2026-01-05T10:00:00,35.00
            A1,c1,p-hose-0,2,2026-01-05T10:00:00,39.00
            A2,,p-kettle-0,1,2026-01-06,35.00
            A3,c2,p-kettle-0,0,2026-01-07,35.00
            A4,c2,p-kettle-0,1,yesterday,35.00
            A5,c3,NOPE-1,1,2026-01-08,1.00
            A6,c3,p-tshirt-2,x,2026-01-08,19.00
            A7,c3,p-tshirt-2,1,2026-01-09,-4
            A8,c4,p-tshirt-2,3,2026-01-10,19.00
            """);
        for (var run = 0; run < 2; run++)
        {
            await using var shop = store.Shop.CreateDbContext();
            var report = await new PurchaseLogImporter(shop, store.Index).ImportAsync(file, null, null, "test-log");
            Assert.Equal(run == 0 ? (3, 0) : (0, 3), (report.Inserted, report.AlreadyPresent));
            var reasons = report.Rejected.Select(r => r.Reason).ToList();
            Assert.Equal(6, reasons.Count);
            Assert.Contains("missing customer id: order A2", reasons);
            Assert.Contains(reasons, r => r.StartsWith("not a purchase (quantity 0", StringComparison.Ordinal));
            Assert.Contains("purchase time is not a date: 'yesterday'", reasons);
            Assert.Contains(reasons, r => r.StartsWith("unknown SKU: NOPE-1", StringComparison.Ordinal));
            Assert.Contains("quantity is not a whole number: 'x'", reasons);
            Assert.Contains("unit price is not a non-negative number: '-4'", reasons);
        }
        await using var index = store.Index.CreateDbContext();
        var rows = await index.Purchases.OrderBy(p => p.Id).ToListAsync();
        Assert.Equal(["p-kettle", "p-hose", "p-tshirt"], rows.Select(r => r.ProductId));
        Assert.Equal("c4", rows[2].CustomerKey);

        // The log's customers got records (id only: no name or email to be guessed), once, so they can be recommended to.
        await using (var shop = store.Shop.CreateDbContext())
        {
            var customers = await shop.Customers.Where(c => c.Id == "c1" || c.Id == "c4").ToListAsync();
            Assert.Equal(["c1", "c4"], customers.Select(c => c.Id).Order());
            Assert.All(customers, c => Assert.Equal(("", ""), (c.Email, c.FirstName)));
        }
        var session = new ChatAgent.Shop.Conversations.CustomerSessionFactory(store.Shop, Microsoft.Extensions.Options.Options.Create(new ChatAgent.Shop.ShopOptions()), TimeProvider.System)
            .Create("conv-import", "c1");
        Assert.True((await session.VerifyFromBoundIdentityAsync()).Succeeded);
        Assert.False((await session.VerifyByEmailAsync("")).Succeeded);
        var picks = await store.Recommendations.ForCustomerAsync("c1", 5);
        Assert.NotEmpty(picks);
        // c1 bought the kettle and the hose once each: neither comes back as a "buy again".
        Assert.DoesNotContain(picks, p => p.ProductId is "p-kettle" or "p-hose");
    }

    [Fact]
    public async Task Purchase_import_reads_order_lines_with_a_separate_orders_file_and_creates_products()
    {
        await using var store = await TestStore.SqliteAsync();
        var folder = Directory.CreateTempSubdirectory("chatagent-purchases-").FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "orders.csv"), """
            invoice_no,customer_id,invoice_datetime,country,is_cancellation
            536365,17850,2010-12-01T08:26:00,United Kingdom,0
            C536379,14527,2010-12-01T09:41:00,United Kingdom,1
            """);
        await File.WriteAllTextAsync(Path.Combine(folder, "products.csv"), """
            stock_code,description,n_lines,median_unit_price_gbp
            85123A,WHITE HANGING HEART T-LIGHT HOLDER,2302,2.95
            71053,WHITE METAL LANTERN,328,3.75
            """);
        var lines = Path.Combine(folder, "order_lines.csv");
        await File.WriteAllTextAsync(lines, """
            invoice_no,stock_code,quantity,unit_price_gbp
            536365,85123A,6,2.55
            536365,71053,6,3.39
            C536379,71053,-1,27.50
            999999,71053,1,3.39
            """);

        await using var shop = store.Shop.CreateDbContext();
        var report = await new PurchaseLogImporter(shop, store.Index).ImportAsync(lines, PurchaseLog.FindOrdersFile(lines), Path.Combine(folder, "products.csv"), "uci");
        Assert.Equal(2, report.Inserted);
        Assert.Contains(report.Rejected, r => r.Reason.StartsWith("not a purchase", StringComparison.Ordinal));
        Assert.Contains(report.Rejected, r => r.Reason == "order not in the orders file: 999999");
        Assert.Equal("White Hanging Heart T-Light Holder", (await shop.Products.SingleAsync(p => p.Id == "85123A")).Name);
        Directory.Delete(folder, recursive: true);
    }

    private static async Task<string> TempFile(string content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"chatagent-import-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(path, content);
        return path;
    }
}
