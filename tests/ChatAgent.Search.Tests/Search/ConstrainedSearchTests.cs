using ChatAgent.Shop.DemoData;
using ChatAgent.Shop.Search;

namespace ChatAgent.Search.Tests.Search;

/// <summary>
/// Product questions with constraints on the generated demo shop (the catalogue the widget shows): the query's own
/// words become filters, only variants that satisfy them are shown, and "nothing matches" is said, not hidden.
/// </summary>
public sealed class ConstrainedSearchTests(ConstrainedSearchTests.DemoCatalog demo) : IClassFixture<ConstrainedSearchTests.DemoCatalog>
{
    /// <summary>The demo catalogue, indexed once for the class.</summary>
    public sealed class DemoCatalog : IAsyncLifetime
    {
        public TestStore Store { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            Store = await TestStore.SqliteAsync();
            var (products, _, _) = new DemoStoreGenerator(20261128, 10).Generate();
            await Store.AddAsync([.. products]);
            await Store.Indexer.IndexAsync();
        }

        public async ValueTask DisposeAsync() => await Store.DisposeAsync();
    }

    private readonly TestStore _store = demo.Store;

    private Task<ProductSearchResult> Search(string query, decimal? max = null) => _store.Search.SearchAsync(new ProductSearchRequest(query, MaxPrice: max, Limit: 5));

    [Fact]
    public async Task Earbuds_under_50_says_none_and_offers_the_earbuds_as_an_alternative()
    {
        var result = await Search("wireless earbuds under $50");
        Assert.Equal("under $50.00", result.Understood);
        Assert.False(result.Exact);
        Assert.Empty(result.Hits);
        var earbuds = Assert.Single(result.Alternatives!, a => a.Name == "Wireless Earbuds");
        Assert.Matches(@"^\$\d+\.\d\d, above \$50\.00$", earbuds.Why);
        Assert.True(earbuds.PriceFrom > 50m);
        Assert.DoesNotContain(result.Alternatives!, a => a.Name is "Dumbbell Set" or "Wireless Mouse");
    }

    [Fact]
    public async Task An_explicit_cap_wins_over_the_one_in_the_words()
    {
        var result = await Search("wireless earbuds under $50", max: 100m);
        Assert.True(result.Exact);
        Assert.Equal("Wireless Earbuds", result.Hits[0].Name);
        Assert.All(result.Hits[0].MatchingVariants, v => Assert.True(v.Price <= 100m));
        Assert.StartsWith("under $100.00", result.Understood);
    }

    [Fact]
    public async Task A_product_the_shop_does_not_have_is_not_claimed()
    {
        var result = await Search("is the merino wool beanie in stock?");
        Assert.Contains("in stock", result.Understood);
        Assert.False(result.Exact);
        Assert.Empty(result.Hits);
        Assert.All(result.Alternatives ?? [], a => Assert.Contains("beanie", a.Why));
    }

    [Fact]
    public async Task Colour_and_size_in_the_words_filter_the_variants()
    {
        var result = await Search("blue helmet size M");
        Assert.True(result.Exact);
        Assert.Equal("color blue, size M", result.Understood);
        var helmet = result.Hits[0];
        Assert.Equal("Bicycle Helmet", helmet.Name);
        Assert.All(helmet.MatchingVariants, v => Assert.Equal(("blue", "M"), (v.Options["color"], v.Options["size"])));
        Assert.Equal(helmet.MatchingVariants.Min(v => v.Price), helmet.PriceFrom);

        // The demo T-shirt comes in no blue: said so, with the T-shirt as the alternative.
        var shirt = await Search("blue t-shirt size M");
        Assert.False(shirt.Exact);
        Assert.Contains(shirt.Alternatives!, a => a.Name == "T-Shirt" && a.Why == "not available in blue");
    }

    [Fact]
    public async Task Negation_and_cheapest_order_the_matching_variants()
    {
        var result = await Search("cheapest backpack, not leather");
        Assert.Equal("not leather, cheapest first", result.Understood);
        var backpack = Assert.Single(result.Hits, h => h.Name == "Backpack");
        Assert.All(backpack.MatchingVariants, v => Assert.NotEqual("leather", v.Options["material"]));
        Assert.DoesNotContain(result.Hits, h => h.Name == "Leather Wallet");
    }
}
