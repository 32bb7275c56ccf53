using System.Text.Json;
using ChatAgent.Embeddings;
using ChatAgent.ServiceDefaults;
using ChatAgent.Shop.Import;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ChatAgent.Shop.Search;

/// <summary>One labelled query: its type ("keyword", "paraphrase", "price", "attribute"…) and graded relevance by product id (2 = what was asked, 1 = a fair substitute).</summary>
public sealed record LabelledQuery(string Query, string Type, IReadOnlyDictionary<string, int> Relevant);

/// <summary>nDCG@k per query type and overall, for one search configuration.</summary>
public sealed record SearchEvaluationReport(string Name, IReadOnlyDictionary<string, double> ByType, double Overall, IReadOnlyList<(LabelledQuery Query, double Ndcg, IReadOnlyList<string> Ranked)> Queries)
{
    /// <summary>"name  overall  type=value …" on one line.</summary>
    public string Line() => $"{Name,-24} overall {Overall:F3}  " + string.Join("  ", ByType.OrderBy(t => t.Key).Select(t => $"{t.Key} {t.Value:F3}"));
}

/// <summary>
/// Offline evaluation of product search on a labelled JSONL file (<c>{"query","type","relevant":{"id":grade}}</c>):
/// the ranked list is the search's products followed by its alternatives (what a customer is shown), cut at k.
/// </summary>
public static class SearchEvaluation
{
    /// <summary>Reads a labelled query file; a malformed line fails with its number.</summary>
    public static IReadOnlyList<LabelledQuery> Read(string path)
    {
        var result = new List<LabelledQuery>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                var relevant = root.GetProperty("relevant").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.Ordinal);
                result.Add(new LabelledQuery(root.GetProperty("query").GetString() ?? "", root.TryGetProperty("type", out var t) ? t.GetString() ?? "all" : "all", relevant));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new FormatException($"{path} line {number}: expected {{\"query\", \"type\", \"relevant\": {{\"product id\": grade}}}} ({e.Message})", e);
            }
        }
        return result;
    }

    /// <summary>Normalised discounted cumulative gain at <paramref name="k"/> with gains 2^grade − 1.</summary>
    public static double Ndcg(IReadOnlyList<string> ranked, IReadOnlyDictionary<string, int> relevant, int k = 10)
    {
        double Gain(int grade) => Math.Pow(2, grade) - 1;
        var dcg = ranked.Take(k).Select((id, i) => relevant.TryGetValue(id, out var g) ? Gain(g) / Math.Log2(i + 2) : 0).Sum();
        var ideal = relevant.Values.OrderDescending().Take(k).Select((g, i) => Gain(g) / Math.Log2(i + 2)).Sum();
        return ideal == 0 ? 0 : dcg / ideal;
    }

    /// <summary>Runs every query through <paramref name="search"/> and scores the top <paramref name="k"/>.</summary>
    public static async Task<SearchEvaluationReport> EvaluateAsync(string name, ProductSearchService search, IReadOnlyList<LabelledQuery> queries, int k = 10, CancellationToken cancellationToken = default)
    {
        var rows = new List<(LabelledQuery, double, IReadOnlyList<string>)>();
        foreach (var q in queries)
        {
            var result = await search.SearchAsync(new ProductSearchRequest(q.Query, Limit: k), cancellationToken);
            var ranked = result.Hits.Concat(result.Alternatives ?? []).Select(h => h.ProductId).Distinct().Take(k).ToList();
            rows.Add((q, Ndcg(ranked, q.Relevant, k), ranked));
        }
        var byType = rows.GroupBy(r => r.Item1.Type).ToDictionary(g => g.Key, g => g.Average(r => r.Item2));
        return new SearchEvaluationReport(name, byType, rows.Count == 0 ? 0 : rows.Average(r => r.Item2), rows);
    }
}

/// <summary>
/// A throw-away SQLite shop and catalogue index (in the temp folder) with one encoder: for evaluations and benchmarks
/// that must not touch the shop's own database.
/// </summary>
public sealed class ScratchCatalog : IAsyncDisposable
{
    private readonly string _path;

    private ScratchCatalog(string path, LocalEmbeddingGenerator embedder, SearchOptions options)
    {
        _path = path;
        var connection = $"Data Source={path}";
        Shop = new ShopDbContextFactory(DatabaseProvider.Sqlite, connection);
        Index = new CatalogIndexDbContextFactory(DatabaseProvider.Sqlite, connection);
        Options = options;
        Search = new ProductSearchService(Shop, Index, embedder, Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System);
        Indexer = new CatalogIndexer(Shop, Index, embedder, Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System, Search);
        Embedder = embedder;
    }

    public ShopDbContextFactory Shop { get; }
    public CatalogIndexDbContextFactory Index { get; }
    public ProductSearchService Search { get; }
    public CatalogIndexer Indexer { get; }
    public LocalEmbeddingGenerator Embedder { get; }
    public SearchOptions Options { get; }

    /// <summary>A search over the same database and vectors with other options (fusion weights, pools).</summary>
    public ProductSearchService SearchWith(SearchOptions options) =>
        new(Shop, Index, Embedder, Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System);

    /// <summary>Creates and migrates the database.</summary>
    public static async Task<ScratchCatalog> CreateAsync(LocalEmbeddingGenerator embedder, SearchOptions? options = null, CancellationToken cancellationToken = default)
    {
        var catalog = new ScratchCatalog(Path.Combine(Path.GetTempPath(), $"chatagent-scratch-{Guid.NewGuid():N}.db"), embedder, options ?? new SearchOptions { SnapshotSeconds = 86400 });
        await using (var shop = catalog.Shop.CreateDbContext())
        {
            await shop.Database.MigrateAsync(cancellationToken);
        }
        await using var index = catalog.Index.CreateDbContext();
        await index.Database.MigrateAsync(cancellationToken);
        return catalog;
    }

    /// <summary>Imports an Online Retail products file (and, when given, its purchase log) and indexes the catalogue.</summary>
    public async Task<IndexReport> LoadOnlineRetailAsync(string folder, bool purchases, ImportProgress? progress = null, CancellationToken cancellationToken = default)
    {
        await using var shop = Shop.CreateDbContext();
        var importer = new PurchaseLogImporter(shop, Index);
        var products = Path.Combine(folder, "products.csv");
        if (purchases)
        {
            await importer.ImportAsync(Path.Combine(folder, "order_lines.csv"), PurchaseLog.FindOrdersFile(Path.Combine(folder, "order_lines.csv")), products, "online-retail", null, cancellationToken);
        }
        else
        {
            await importer.ImportProductsAsync(products, cancellationToken);
        }
        return await Indexer.IndexAsync(progress, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_path + suffix);
        }
        return ValueTask.CompletedTask;
    }
}
