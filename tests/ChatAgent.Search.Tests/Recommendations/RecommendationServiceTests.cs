using ChatAgent.Shop;

namespace ChatAgent.Search.Tests.Recommendations;

/// <summary>Recommendations over a small store whose order history has clear patterns.</summary>
public sealed class RecommendationServiceTests
{
    internal static async Task<TestStore> StoreWithHistoryAsync()
    {
        var store = await TestStore.SqliteAsync();
        await store.AddAsync(Catalog.Demo());
        await store.Indexer.IndexAsync();
        await using var shop = store.Shop.CreateDbContext();
        var start = new DateTimeOffset(2026, 9, 1, 10, 0, 0, TimeSpan.Zero);
        var orderNumber = 0;
        void Order(string customer, int day, params string[] products)
        {
            var id = $"#T{++orderNumber:D6}";
            shop.Orders.Add(new Order
            {
                Id = id, CustomerId = customer, Status = OrderStatus.Delivered, CreatedAt = start.AddDays(day), UpdatedAt = start.AddDays(day),
                Items = products.Select((p, i) => new OrderItem { OrderId = id, Line = i, ProductId = p, ItemId = $"{p}-0", Name = p, Price = 10m }).ToList(),
            });
        }
        for (var c = 1; c <= 8; c++)
        {
            shop.Customers.Add(new Customer { Id = $"c{c}", FirstName = $"Test{c}", LastName = "Customer", Email = $"c{c}@example.com" });
        }
        shop.Customers.Add(new Customer { Id = "newcomer", FirstName = "New", LastName = "Customer", Email = "new@example.com" });
        // Headphones and speaker go together; t-shirts go with the (sold-out) hoodie and with running shoes; kettles are popular.
        for (var c = 1; c <= 6; c++)
        {
            Order($"c{c}", c, "p-headphones", "p-speaker");
            Order($"c{c}", c + 10, "p-tshirt", "p-hoodie", "p-running");
            Order($"c{c}", c + 20, "p-kettle");
        }
        Order("c7", 30, "p-headphones");
        Order("c8", 31, "p-kettle", "p-hose");
        await shop.SaveChangesAsync();
        return store;
    }

    [Fact]
    public async Task Bought_together_names_the_companion_and_skips_sold_out_products()
    {
        await using var store = await StoreWithHistoryAsync();
        var items = await store.Recommendations.BoughtTogetherAsync(["p-tshirt"], 5);
        Assert.Contains(items, i => i.ProductId == "p-running" && i.Reason == "often bought together with Cotton T-Shirt");
        Assert.DoesNotContain(items, i => i.ProductId == "p-hoodie");
        Assert.DoesNotContain(items, i => i.ProductId == "p-tshirt");
    }

    [Fact]
    public async Task Personal_picks_follow_the_customers_history_with_reasons()
    {
        await using var store = await StoreWithHistoryAsync();
        var items = await store.Recommendations.ForCustomerAsync("c7", 3);
        Assert.Equal("p-speaker", items[0].ProductId);
        Assert.Equal("customers who bought Bluetooth In-Ear Headphones also bought this", items[0].Reason);
        Assert.All(items, i => Assert.False(string.IsNullOrWhiteSpace(i.Reason)));
        Assert.DoesNotContain(items, i => i.ProductId == "p-hoodie");
    }

    [Fact]
    public async Task A_customer_without_orders_gets_in_stock_best_sellers()
    {
        await using var store = await StoreWithHistoryAsync();
        var items = await store.Recommendations.ForCustomerAsync("newcomer", 4);
        Assert.Equal(4, items.Count);
        Assert.All(items, i => Assert.Equal("popular with customers right now", i.Reason));
        Assert.DoesNotContain(items, i => i.ProductId == "p-hoodie");
        Assert.Equal("p-kettle", items[0].ProductId);
    }

    [Fact]
    public async Task Similar_items_use_descriptions_when_there_is_no_co_purchase()
    {
        await using var store = await StoreWithHistoryAsync();
        var items = await store.Recommendations.SimilarAsync("p-overear", 3);
        Assert.Contains(items, i => i.ProductId == "p-headphones" && i.Reason == "similar to Studio Over-Ear Headphones");
        Assert.DoesNotContain(items, i => i.ProductId == "p-overear");
    }

    [Fact]
    public async Task A_product_that_sells_out_disappears_from_every_list()
    {
        await using var store = await StoreWithHistoryAsync();
        await using (var shop = store.Shop.CreateDbContext())
        {
            foreach (var v in shop.Variants.Where(v => v.ProductId == "p-kettle"))
            {
                v.Available = false;
            }
            await shop.SaveChangesAsync();
        }
        Assert.DoesNotContain(await store.Recommendations.PopularAsync(10), i => i.ProductId == "p-kettle");
        Assert.DoesNotContain(await store.Recommendations.ForCustomerAsync("c1", 10), i => i.ProductId == "p-kettle");
        Assert.DoesNotContain(await store.Recommendations.BoughtTogetherAsync(["p-hose"], 10), i => i.ProductId == "p-kettle");
    }
}
