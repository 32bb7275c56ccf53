using System.Text;
using ChatAgent.Shop.DemoData;
using ChatAgent.Shop.Import;
using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Shop.Tests;

public sealed class ImportTests
{
    private const string Mixed = """
    {
      "products": {
        "1000000001": {"name": "Mug", "product_id": "1000000001", "variants": {
          "2000000001": {"item_id": "2000000001", "options": {"color": "red"}, "available": true, "price": 12.5},
          "2000000002": {"item_id": "2000000002", "options": {"color": "blue"}, "available": false, "price": 13}}},
        "1000000002": {"name": "Broken", "product_id": "1000000002", "variants": {
          "2000000003": {"item_id": "2000000003", "options": {"color": "red"}, "available": true, "price": "cheap"}}},
        "1000000003": {"name": "Mismatch", "product_id": "1000000099", "variants": {}}
      },
      "users": {
        "ann_lee_1234": {"user_id": "ann_lee_1234", "name": {"first_name": "Ann", "last_name": "Lee"},
          "address": {"address1": "1 Main St", "address2": "", "city": "Austin", "country": "USA", "state": "TX", "zip": "78701"},
          "email": "Ann.Lee@Example.com",
          "payment_methods": {"gift_card_1111111": {"source": "gift_card", "id": "gift_card_1111111", "balance": 40}},
          "orders": ["#W1000001"]},
        "bad_email_1": {"user_id": "bad_email_1", "name": {"first_name": "Bo", "last_name": "Bad"},
          "address": {"address1": "1 Main St", "address2": "", "city": "Austin", "country": "USA", "state": "TX", "zip": "78701"},
          "email": "not-an-email", "payment_methods": {}, "orders": []},
        "odd_pay_1": {"user_id": "odd_pay_1", "name": {"first_name": "Cy", "last_name": "Odd"},
          "address": {"address1": "1 Main St", "address2": "", "city": "Austin", "country": "USA", "state": "TX", "zip": "78701"},
          "email": "cy@example.com", "payment_methods": {"bitcoin_1": {"source": "bitcoin", "id": "bitcoin_1"}}, "orders": []}
      },
      "orders": {
        "#W1000001": {"order_id": "#W1000001", "user_id": "ann_lee_1234",
          "address": {"address1": "1 Main St", "address2": "", "city": "Austin", "country": "USA", "state": "TX", "zip": "78701"},
          "items": [{"name": "Mug", "product_id": "1000000001", "item_id": "2000000001", "price": 12.5, "options": {"color": "red"}}],
          "status": "pending", "fulfillments": [],
          "payment_history": [{"transaction_type": "payment", "amount": 12.5, "payment_method_id": "gift_card_1111111"}]},
        "#W1000002": {"order_id": "#W1000002", "user_id": "ann_lee_1234",
          "address": {"address1": "1 Main St", "address2": "", "city": "Austin", "country": "USA", "state": "TX", "zip": "78701"},
          "items": [{"name": "Mug", "product_id": "1000000001", "item_id": "2000000001", "price": 12.5, "options": {"color": "red"}}],
          "status": "shipped", "fulfillments": [], "payment_history": [{"transaction_type": "payment", "amount": 12.5, "payment_method_id": "gift_card_1111111"}]},
        "#W1000003": {"order_id": "#W1000003", "user_id": "nobody_0000",
          "address": {"address1": "1 Main St", "address2": "", "city": "Austin", "country": "USA", "state": "TX", "zip": "78701"},
          "items": [{"name": "Mug", "product_id": "1000000001", "item_id": "2000000001", "price": 12.5, "options": {"color": "red"}}],
          "status": "pending", "fulfillments": [], "payment_history": [{"transaction_type": "payment", "amount": 12.5, "payment_method_id": "gift_card_1111111"}]},
        "#W1000004": {"order_id": "#W1000004", "user_id": "ann_lee_1234",
          "address": {"address1": "1 Main St", "address2": "", "city": "Austin", "country": "USA", "state": "TX", "zip": "78701"},
          "items": [{"name": "Ghost", "product_id": "1000000001", "item_id": "9999999999", "price": 1, "options": {}}],
          "status": "pending", "fulfillments": [], "payment_history": [{"transaction_type": "payment", "amount": 1, "payment_method_id": "gift_card_1111111"}]}
      }
    }
    """;

    private static async Task<ImportReport> ImportAsync(TestShop shop, string json)
    {
        await using var db = await shop.Db.CreateDbContextAsync();
        return await new TauRetailImporter(db).ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public async Task Bad_rows_are_rejected_with_their_reasons_and_the_good_rows_still_import()
    {
        await using var shop = await TestShop.CreateSqliteAsync();
        var report = await ImportAsync(shop, Mixed);

        Assert.Equal(3, report.Inserted); // one product, one user, one order
        var reasons = report.Rejected.ToDictionary(r => r.Row, r => r.Reason);
        Assert.Contains("\"price\" is missing or not a number", reasons["products[1000000002]"], StringComparison.Ordinal);
        Assert.Contains("differs from its key", reasons["products[1000000003]"], StringComparison.Ordinal);
        Assert.Contains("is not an email address", reasons["users[bad_email_1]"], StringComparison.Ordinal);
        Assert.Contains("unknown source 'bitcoin'", reasons["users[odd_pay_1]"], StringComparison.Ordinal);
        Assert.Contains("status 'shipped' is not one of", reasons["orders[#W1000002]"], StringComparison.Ordinal);
        Assert.Contains("user 'nobody_0000' is not in the store", reasons["orders[#W1000003]"], StringComparison.Ordinal);
        Assert.Contains("item 9999999999 is not a known variant", reasons["orders[#W1000004]"], StringComparison.Ordinal);
        Assert.Equal(7, report.Rejected.Count);

        await using var db = await shop.Db.CreateDbContextAsync();
        var ann = await db.Customers.Include(c => c.PaymentMethods).SingleAsync();
        Assert.Equal("ann.lee@example.com", ann.Email);
        Assert.Equal(40m, ann.PaymentMethods.Single().Balance);
        Assert.Equal(2, await db.Variants.CountAsync());
    }

    [Fact]
    public async Task Importing_the_same_file_twice_changes_nothing_the_second_time()
    {
        await using var shop = await TestShop.CreateSqliteAsync();
        await ImportAsync(shop, Mixed);
        var second = await ImportAsync(shop, Mixed);
        Assert.Equal(0, second.Inserted);
        Assert.Equal(3, second.AlreadyPresent);
        await using var db = await shop.Db.CreateDbContextAsync();
        Assert.Equal(1, await db.Orders.CountAsync());
        Assert.Equal(1, await db.Customers.CountAsync());
    }

    [Fact]
    public async Task A_file_that_is_not_json_is_reported_not_thrown()
    {
        await using var shop = await TestShop.CreateSqliteAsync();
        var report = await ImportAsync(shop, "{ this is not json");
        Assert.Equal(0, report.Inserted);
        Assert.StartsWith("not valid JSON", Assert.Single(report.Rejected).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_whole_tau_retail_store_imports_cleanly()
    {
        var path = SharedData.Require("tau-retail/db.json");
        await using var shop = await TestShop.CreateSqliteAsync();
        await using var db = await shop.Db.CreateDbContextAsync();
        var progress = new ImportProgress(new StringWriter(), "tau", null, interactive: false);
        var report = await new TauRetailImporter(db).ImportFileAsync(path, progress);
        Assert.Empty(report.Rejected);
        Assert.Equal(50 + 500 + 1000, report.Inserted);
        Assert.Equal(50, await db.Products.CountAsync());
        Assert.Equal(1000, await db.Orders.CountAsync());
        Assert.Equal(591, await db.Variants.CountAsync());
        Assert.Equal(2978, await db.OrderItems.CountAsync());
        Assert.Equal(695, await db.PaymentMethods.CountAsync());
        Assert.Equal(1550, progress.Done);
        Assert.Contains("rows/s", progress.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Progress_shows_rate_and_eta_when_the_total_is_known()
    {
        var output = new StringWriter();
        var progress = new ImportProgress(output, "orders", 1000, interactive: false);
        progress.Advance(250);
        var line = progress.Describe();
        Assert.Matches(@"^orders: 250/1,000 \(25%\)  [\d,]+ rows/s  ETA \d+:\d\d$", line);
        progress.Complete();
        Assert.Contains("orders: 250/1,000", output.ToString(), StringComparison.Ordinal);
    }
}

public sealed class DemoStoreTests
{
    [Fact]
    public void The_demo_shop_is_the_same_for_the_same_seed_and_differs_for_another()
    {
        var a = new DemoStoreGenerator(7).Generate();
        var b = new DemoStoreGenerator(7).Generate();
        var c = new DemoStoreGenerator(8).Generate();
        Assert.Equal(a.Orders.Select(o => o.Id + o.Total), b.Orders.Select(o => o.Id + o.Total));
        Assert.Equal(a.Customers.Select(x => x.Email), b.Customers.Select(x => x.Email));
        Assert.NotEqual(a.Orders.Select(o => o.Id), c.Orders.Select(o => o.Id));
    }

    [Fact]
    public async Task An_empty_store_is_seeded_with_a_believable_shop_at_start_up_and_the_orders_plugin_works_on_it()
    {
        await using var shop = await TestShop.CreateSqliteAsync(settings: new() { ["Shop:SeedDemoData"] = "true" });
        await using var db = await shop.Db.CreateDbContextAsync();
        Assert.True(await db.Customers.CountAsync() >= 300);
        Assert.True(await db.Variants.CountAsync() >= 2000);
        Assert.True(await db.Orders.CountAsync() >= 500);
        foreach (var status in new[] { OrderStatus.Pending, OrderStatus.Processed, OrderStatus.Delivered, OrderStatus.Cancelled })
        {
            Assert.True(await db.Orders.AnyAsync(o => o.Status == status), $"no {status} order");
        }

        var customer = await db.Customers.Where(c => c.Orders.Any(o => o.Status == OrderStatus.Pending)).FirstAsync();
        var conversation = shop.StartConversation();
        Assert.True((await conversation.CallAsync("verify_customer_by_name_zip", new { first_name = customer.FirstName, last_name = customer.LastName, zip = customer.Address.Zip })).GetProperty("verified").GetBoolean()
            || (await conversation.CallAsync("verify_customer_by_email", new { email = customer.Email })).GetProperty("verified").GetBoolean());
        var orders = await conversation.CallAsync("list_orders");
        Assert.True(orders.GetProperty("orders").GetArrayLength() > 0);
    }

    [Fact]
    public async Task A_store_with_data_is_not_seeded_again()
    {
        var dir = Directory.CreateTempSubdirectory("chatagent-shop-seed-").FullName;
        var file = Path.Combine(dir, "shop.db");
        int first;
        await using (var shop = await TestShop.CreateAsync(ServiceDefaults.DatabaseProvider.Sqlite, $"Data Source={file}", settings: new() { ["Shop:SeedDemoData"] = "true" }))
        {
            await using var db = await shop.Db.CreateDbContextAsync();
            first = await db.Orders.CountAsync();
        }
        await using (var again = await TestShop.CreateAsync(ServiceDefaults.DatabaseProvider.Sqlite, $"Data Source={file}", settings: new() { ["Shop:SeedDemoData"] = "true" }))
        {
            await using var db = await again.Db.CreateDbContextAsync();
            Assert.Equal(first, await db.Orders.CountAsync());
        }
        Directory.Delete(dir, recursive: true);
    }
}
