using System.Text.Json;
using ChatAgent.Plugins.Products;
using ChatAgent.Plugins.Recommendations;
using ChatAgent.Search.Tests.Recommendations;
using ChatAgent.Shop;
using ChatAgent.Shop.Conversations;
using ChatAgent.Shop.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ChatAgent.Search.Tests.Plugins;

/// <summary>The products and recommendations plugins as the model calls them: compact JSON, reasons on refusal.</summary>
public sealed class CatalogPluginTests
{
    private static ProductsPlugin Products(TestStore store) =>
        new(store.Search, new PluginSettings("products", new ConfigurationBuilder().Build().GetSection("Plugins:products")));

    private static CustomerSession Session(TestStore store) =>
        new CustomerSessionFactory(store.Shop, Options.Create(new ShopOptions()), TimeProvider.System).Create($"conv-{Guid.NewGuid():N}");

    [Fact]
    public async Task Search_returns_item_ids_the_model_can_use()
    {
        await using var store = await RecommendationServiceTests.StoreWithHistoryAsync();
        var json = await Products(store).SearchAsync("red t-shirt", max_price: 20m, in_stock_only: true, options: "color=red; size=M");
        using var doc = JsonDocument.Parse(json);
        var product = doc.RootElement.GetProperty("products")[0];
        Assert.Equal("p-tshirt", product.GetProperty("product_id").GetString());
        Assert.Equal("p-tshirt-0", product.GetProperty("variants")[0].GetProperty("item_id").GetString());
    }

    [Fact]
    public async Task Bad_filters_are_refused_with_the_reason()
    {
        await using var store = await TestStore.SqliteAsync();
        var plugin = Products(store);
        Assert.Contains("not valid", await plugin.SearchAsync("shoes", min_price: 50m, max_price: 10m));
        Assert.Contains("'blue' is not one", await plugin.SearchAsync("shoes", options: "blue"));
        Assert.True(ToolResult.IsRefusal(await plugin.GetProductDetailsAsync("no-such-id")));
    }

    [Fact]
    public async Task Availability_lists_only_variants_that_can_be_bought()
    {
        await using var store = await RecommendationServiceTests.StoreWithHistoryAsync();
        using var doc = JsonDocument.Parse(await Products(store).CheckAvailabilityAsync("p-headphones", "color=white"));
        Assert.False(doc.RootElement.GetProperty("available").GetBoolean());
        using var item = JsonDocument.Parse(await Products(store).CheckAvailabilityAsync("p-headphones-0"));
        Assert.True(item.RootElement.GetProperty("available").GetBoolean());
        Assert.Equal(1, item.RootElement.GetProperty("available_variants").GetArrayLength());
    }

    [Fact]
    public async Task Personal_picks_are_refused_until_the_customer_is_verified()
    {
        await using var store = await RecommendationServiceTests.StoreWithHistoryAsync();
        var session = Session(store);
        var plugin = new RecommendationsPlugin(store.Recommendations, session);
        var refused = await plugin.ForCustomerAsync();
        Assert.True(ToolResult.IsRefusal(refused));
        Assert.Contains("verified customer", refused);

        Assert.True((await session.VerifyByEmailAsync("c7@example.com")).Succeeded);
        using var doc = JsonDocument.Parse(await plugin.ForCustomerAsync(3));
        var first = doc.RootElement.GetProperty("products")[0];
        Assert.Equal("p-speaker", first.GetProperty("product_id").GetString());
        Assert.False(string.IsNullOrEmpty(first.GetProperty("why").GetString()));
    }
}
