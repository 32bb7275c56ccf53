using System.Globalization;
using ChatAgent.Embeddings;
using ChatAgent.Shop;
using ChatAgent.Shop.Import;
using ChatAgent.Shop.Search;

namespace ChatAgent.Search.Tests.Search;

/// <summary>
/// A floor under search quality: the labelled Online Retail queries (bench/ChatAgent.Bench.Search/data) over a part
/// of the catalogue (every labelled product and every fourth other one, to keep the suite fast), with the default
/// encoder. The full figures come from <c>chatagent eval search</c>.
/// </summary>
public sealed class OnlineRetailSearchQualityTests
{
    [Fact]
    public async Task Labelled_queries_keep_ndcg_above_the_floor()
    {
        var folder = SharedData.Folder("online-retail-uci");
        var labelled = Path.Combine(AppContext.BaseDirectory, "online-retail-queries.jsonl");
        var queries = SearchEvaluation.Read(labelled);
        var wanted = queries.SelectMany(q => q.Relevant.Keys).ToHashSet();

        using var embedder = new LocalEmbeddingGenerator(new LocalEmbeddingOptions(), new LocalEmbeddingOptions().SearchModel);
        await using var catalog = await ScratchCatalog.CreateAsync(embedder, new SearchOptions { SnapshotSeconds = 3600, EnrichWithCoPurchases = false });
        var products = new List<Product>();
        using (var table = new CsvTable(Path.Combine(folder, "products.csv")))
        {
            var (sku, name, price) = (table.Column("stock_code"), table.Column("description"), table.Column("median_unit_price_gbp"));
            var n = 0;
            while (table.TryRead(out var row))
            {
                var code = row[sku]!;
                if (!wanted.Contains(code) && n++ % 4 != 0)
                {
                    continue;
                }
                products.Add(new Product
                {
                    Id = code, Name = CultureInfo.InvariantCulture.TextInfo.ToTitleCase((row[name] ?? code).ToLowerInvariant()), CreatedAt = DateTimeOffset.UtcNow,
                    Variants = [new ProductVariant { Id = code, ProductId = code, Sku = code, Price = decimal.Parse(row[price] ?? "0", CultureInfo.InvariantCulture), Available = true }],
                });
            }
        }
        await using (var shop = catalog.Shop.CreateDbContext())
        {
            shop.Products.AddRange(products);
            await shop.SaveChangesAsync();
        }
        await catalog.Indexer.IndexAsync();

        var report = await SearchEvaluation.EvaluateAsync("default", catalog.Search, queries);
        Assert.True(report.Overall >= 0.62, report.Line());
        Assert.True(report.ByType["paraphrase"] >= 0.30, report.Line());
        Assert.True(report.ByType["price"] >= 0.85, report.Line());
    }
}
