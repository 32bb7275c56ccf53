using ChatAgent.Shop.Search;
using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Search.Tests.Search;

public abstract class HybridSearchTests
{
    protected abstract Task<TestStore> CreateStoreAsync();

    private async Task<TestStore> IndexedDemoAsync()
    {
        var store = await CreateStoreAsync();
        await store.AddAsync(Catalog.Demo());
        await store.Indexer.IndexAsync();
        return store;
    }

    [Fact]
    public async Task Wireless_earbuds_finds_bluetooth_headphones_although_no_word_matches()
    {
        await using var store = await IndexedDemoAsync();
        var result = await store.Search.SearchAsync(new ProductSearchRequest("wireless earbuds", Limit: 3));
        var ids = result.Hits.Select(h => h.ProductId).ToList();
        Assert.Contains("p-headphones", ids);
        Assert.Contains("meaning", result.Hits.Single(h => h.ProductId == "p-headphones").MatchedBy);
        Assert.DoesNotContain("p-hose", ids);
        Assert.DoesNotContain("p-kettle", ids);
    }

    [Fact]
    public async Task Keywords_rank_an_exact_product_first()
    {
        await using var store = await IndexedDemoAsync();
        var result = await store.Search.SearchAsync(new ProductSearchRequest("garden hose"));
        Assert.Equal("p-hose", result.Hits[0].ProductId);
        Assert.Equal(["keywords", "meaning"], result.Hits[0].MatchedBy);
    }

    [Fact]
    public async Task Stemming_matches_other_word_forms()
    {
        await using var store = await IndexedDemoAsync();
        var result = await store.Search.SearchAsync(new ProductSearchRequest("boiling kettles"));
        Assert.Equal("p-kettle", result.Hits[0].ProductId);
        Assert.Contains("keywords", result.Hits[0].MatchedBy);
    }

    [Fact]
    public async Task Price_range_excludes_products_outside_it()
    {
        await using var store = await IndexedDemoAsync();
        var result = await store.Search.SearchAsync(new ProductSearchRequest("headphones", MaxPrice: 100m, Limit: 10));
        Assert.NotEmpty(result.Hits);
        Assert.DoesNotContain(result.Hits, h => h.ProductId == "p-overear");
        Assert.All(result.Hits, h => Assert.All(h.MatchingVariants, v => Assert.True(v.Price <= 100m)));

        var expensive = await store.Search.SearchAsync(new ProductSearchRequest("headphones", MinPrice: 100m, Limit: 10));
        Assert.Equal(["p-overear"], expensive.Hits.Select(h => h.ProductId));
    }

    [Fact]
    public async Task In_stock_filter_drops_sold_out_products_and_variants()
    {
        await using var store = await IndexedDemoAsync();
        var all = await store.Search.SearchAsync(new ProductSearchRequest("hoodie", Limit: 10));
        Assert.Contains(all.Hits, h => h.ProductId == "p-hoodie" && !h.InStock);

        var inStock = await store.Search.SearchAsync(new ProductSearchRequest("hoodie", InStockOnly: true, Limit: 10));
        Assert.DoesNotContain(inStock.Hits, h => h.ProductId == "p-hoodie");
        Assert.All(inStock.Hits, h => Assert.All(h.MatchingVariants, v => Assert.True(v.Available)));
    }

    [Fact]
    public async Task Option_filters_keep_only_variants_with_those_values()
    {
        await using var store = await IndexedDemoAsync();
        var result = await store.Search.SearchAsync(new ProductSearchRequest("t-shirt", InStockOnly: true,
            Options: new Dictionary<string, string> { ["Colour"] = "RED", ["size"] = "m" }, Limit: 10));
        var shirt = Assert.Single(result.Hits, h => h.ProductId == "p-tshirt");
        var variant = Assert.Single(shirt.MatchingVariants);
        Assert.Equal("p-tshirt-0", variant.VariantId);
        Assert.All(result.Hits, h => Assert.All(h.MatchingVariants, v => Assert.Equal("red", v.Options["color"])));

        var none = await store.Search.SearchAsync(new ProductSearchRequest("t-shirt", Options: new Dictionary<string, string> { ["color"] = "purple" }));
        Assert.Empty(none.Hits);
    }

    [Fact]
    public async Task Stock_changes_after_indexing_are_honoured()
    {
        await using var store = await IndexedDemoAsync();
        await using (var shop = store.Shop.CreateDbContext())
        {
            await shop.Variants.Where(v => v.ProductId == "p-hose").ExecuteUpdateAsync(s => s.SetProperty(v => v.Available, false));
        }
        var result = await store.Search.SearchAsync(new ProductSearchRequest("garden hose", InStockOnly: true));
        Assert.DoesNotContain(result.Hits, h => h.ProductId == "p-hose");
    }

    [Fact]
    public async Task Indexing_again_embeds_only_what_changed()
    {
        await using var store = await IndexedDemoAsync();
        var again = await store.Indexer.IndexAsync();
        Assert.Equal((Catalog.Demo().Length, 0, Catalog.Demo().Length, 0), (again.Products, again.Embedded, again.Unchanged, again.Removed));

        await using (var shop = store.Shop.CreateDbContext())
        {
            var kettle = await shop.Products.SingleAsync(p => p.Id == "p-kettle");
            kettle.Name = "Glass Tea Kettle";
            shop.Products.Remove(await shop.Products.SingleAsync(p => p.Id == "p-mouse"));
            await shop.SaveChangesAsync();
        }
        var changed = await store.Indexer.IndexAsync();
        Assert.Equal((1, 1), (changed.Embedded, changed.Removed));

        var result = await store.Search.SearchAsync(new ProductSearchRequest("tea kettle"));
        Assert.Equal("p-kettle", result.Hits[0].ProductId);
        var mouse = await store.Search.SearchAsync(new ProductSearchRequest("mouse"));
        Assert.DoesNotContain(mouse.Hits, h => h.ProductId == "p-mouse");
    }

    [Fact]
    public async Task Unrelated_queries_return_nothing_rather_than_noise()
    {
        await using var store = await IndexedDemoAsync();
        var result = await store.Search.SearchAsync(new ProductSearchRequest("quantum chromodynamics lecture notes"));
        Assert.Empty(result.Hits);
    }
}

public sealed class SqliteHybridSearchTests : HybridSearchTests
{
    protected override Task<TestStore> CreateStoreAsync() => TestStore.SqliteAsync();
}

public sealed class PostgresHybridSearchTests : HybridSearchTests
{
    protected override Task<TestStore> CreateStoreAsync() => TestStore.PostgresAsync();
}
