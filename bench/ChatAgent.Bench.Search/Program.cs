// Search latency (split into query embedding, full text, vector scoring, fusion, details) on the demo store and on a
// catalogue of 50,000+ variants built from the Online Retail products; recommendation quality and latency on the
// Online Retail log split by time. Usage: dotnet run -c Release [-- --rounds N] [--model MiniLM|ArcticXs] [--skip-large] [--skip-recommendations]
using System.Diagnostics;
using ChatAgent.Embeddings;
using ChatAgent.ServiceDefaults;
using ChatAgent.Shop;
using ChatAgent.Shop.DemoData;
using ChatAgent.Shop.Import;
using ChatAgent.Shop.Recommendations;
using ChatAgent.Shop.Search;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

var rounds = args.SkipWhile(a => a != "--rounds").Skip(1).Select(int.Parse).FirstOrDefault(5);
var skipLarge = args.Contains("--skip-large");
var skipRecommendations = args.Contains("--skip-recommendations");
var retail = FindShared("online-retail-uci");

var stopwatch = Stopwatch.StartNew();
var modelName = args.SkipWhile(a => a != "--model").Skip(1).FirstOrDefault() ?? new LocalEmbeddingOptions().Model;
var encoder = LocalEmbeddingModel.Find(modelName) ?? throw new ArgumentException($"--model {modelName}: use one of {string.Join(", ", LocalEmbeddingModel.All.Select(m => m.Name))}");
using var embedder = new LocalEmbeddingGenerator(new LocalEmbeddingOptions(), encoder);
Console.WriteLine($"encoder: {encoder.Name}");
Console.WriteLine($"model loaded in {stopwatch.ElapsedMilliseconds} ms; {Environment.ProcessorCount} cores; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");

string[] demoQueries = ["wireless earbuds", "warm jacket for hiking", "running shoes", "coffee machine", "something to carry my laptop",
    "noise cancelling headphones", "yoga mat", "gift for a runner", "kitchen knife", "desk lamp"];
await using (var demo = await Store.CreateAsync(embedder))
{
    await using (var db = demo.Shop.CreateDbContext())
    {
        var counts = await new DemoStoreGenerator(20261128, 400).SeedAsync(db);
        Console.WriteLine($"\n== demo store: {counts.Products} products, {counts.Variants} variants, {counts.Orders} orders");
    }
    Console.WriteLine(await demo.Indexer.IndexAsync());
    await RunQueriesAsync(demo.Search, demoQueries, rounds);
}

Dictionary<string, float[]>? retailVectors = null;
if (!skipLarge && retail is not null)
{
    await using var large = await Store.CreateAsync(embedder);
    await using (var db = large.Shop.CreateDbContext())
    {
        // Every Online Retail product in 7 colours × 2 sizes: 3,684 × 14 = 51,576 variants, a quarter of them sold out.
        string[] colours = ["red", "blue", "green", "black", "white", "pink", "ivory"];
        string[] sizes = ["small", "large"];
        using var table = new CsvTable(Path.Combine(retail, "products.csv"));
        var random = new Random(7);
        while (table.TryRead(out var row))
        {
            var code = row[0]!;
            var name = row[1] ?? code;
            var price = decimal.TryParse(row[3], System.Globalization.CultureInfo.InvariantCulture, out var p) ? p : 1m;
            db.Products.Add(new Product
            {
                Id = code, Name = name, Category = "Gifts", CreatedAt = DateTimeOffset.UtcNow,
                Variants = colours.SelectMany(c => sizes.Select(s => new ProductVariant
                {
                    Id = $"{code}-{c}-{s}", ProductId = code, Price = price * (s == "large" ? 1.5m : 1m), Available = random.NextDouble() > 0.25,
                    Options = new() { ["color"] = c, ["size"] = s },
                })).ToList(),
            });
        }
        await db.SaveChangesAsync();
        Console.WriteLine($"\n== large catalogue: {await db.Products.CountAsync()} products, {await db.Variants.CountAsync()} variants");
    }
    stopwatch.Restart();
    Console.WriteLine(await large.Indexer.IndexAsync(new ImportProgress(Console.Error, "embedding", null)));
    var again = await large.Indexer.IndexAsync();
    Console.WriteLine($"re-index (nothing changed): {again.Elapsed.TotalMilliseconds:F0} ms, {again.Embedded} embedded");
    await RunQueriesAsync(large.Search, ["christmas decorations", "tea cups", "heart shaped candle holder", "children's party bag", "vintage doorstop",
        "lunch box", "cake stand", "garden decoration", "wall clock", "paper napkins"], rounds);

    await using var index = large.Index.CreateDbContext();
    retailVectors = (await index.Documents.AsNoTracking().Select(d => new { d.ProductId, d.Vector }).ToListAsync())
        .ToDictionary(d => d.ProductId, d => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(d.Vector!).ToArray());
}

if (!skipRecommendations && retail is not null)
{
    stopwatch.Restart();
    var purchases = PurchaseLog.ReadOnlineRetail(retail);
    Console.WriteLine($"\n== recommendations: Online Retail, {purchases.Count:N0} purchase lines of goods read in {stopwatch.Elapsed.TotalSeconds:F1} s; train before 2011-09-09, test after, all test customers");
    var split = new DateTime(2011, 9, 9, 0, 0, 0, DateTimeKind.Utc);
    foreach (var vectors in retailVectors is null ? new[] { (Dictionary<string, float[]>?)null } : [null, retailVectors])
    {
        foreach (var repeats in new[] { true, false })
        {
            Console.WriteLine($"[{(vectors is null ? "co-purchase only" : "with description vectors")}] " + RecommendationEvaluation.Run(purchases, split, vectors, repeatsCount: repeats));
        }
    }
}
else if (retail is null)
{
    Console.WriteLine("../shared/data/online-retail-uci not found: large catalogue and recommendation figures skipped.");
}

static async Task RunQueriesAsync(ProductSearchService search, string[] queries, int rounds)
{
    foreach (var (label, filtered) in new[] { ("no filters", false), ("in stock, max price 50, color", true) })
    {
        var timings = new List<SearchTimings>();
        for (var round = -1; round < rounds; round++)
        {
            foreach (var q in queries)
            {
                var request = filtered
                    ? new ProductSearchRequest(q, MaxPrice: 50m, InStockOnly: true, Options: new Dictionary<string, string> { ["color"] = "black" }, Limit: 5)
                    : new ProductSearchRequest(q, Limit: 5);
                var result = await search.SearchAsync(request);
                if (round >= 0)
                {
                    timings.Add(result.Timings);
                }
                else if (!filtered && q == queries[0])
                {
                    Console.WriteLine($"  '{q}' → {string.Join(" | ", result.Hits.Take(3).Select(h => h.Name))}");
                }
            }
        }
        Console.WriteLine($"  {label}, {timings.Count} searches (ms)     p50     p99");
        foreach (var (stage, pick) in new (string, Func<SearchTimings, TimeSpan>)[]
                 {
                     ("query embedding", t => t.Embedding), ("full text", t => t.FullText), ("vector scoring", t => t.VectorScoring),
                     ("fusion", t => t.Fusion), ("details (store)", t => t.Details), ("total", t => t.Total),
                 })
        {
            var values = timings.Select(t => pick(t).TotalMilliseconds).Order().ToArray();
            Console.WriteLine($"    {stage,-28} {Percentile(values, 0.50),7:F2} {Percentile(values, 0.99),7:F2}");
        }
    }
}

static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

static string? FindShared(string name)
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "ChatAgent.sln")))
        {
            var folder = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data", name));
            return Directory.Exists(folder) ? folder : null;
        }
    }
    return null;
}

/// <summary>A temp SQLite store with the shop and the catalogue index migrated.</summary>
sealed class Store : IAsyncDisposable
{
    private readonly string _path;

    private Store(string path, LocalEmbeddingGenerator embedder)
    {
        _path = path;
        var connection = $"Data Source={path}";
        Shop = new ShopDbContextFactory(DatabaseProvider.Sqlite, connection);
        Index = new CatalogIndexDbContextFactory(DatabaseProvider.Sqlite, connection);
        var options = Options.Create(new SearchOptions { SnapshotSeconds = 3600 });
        Search = new ProductSearchService(Shop, Index, embedder, options, TimeProvider.System);
        Indexer = new CatalogIndexer(Shop, Index, embedder, options, TimeProvider.System, Search);
    }

    public ShopDbContextFactory Shop { get; }
    public CatalogIndexDbContextFactory Index { get; }
    public ProductSearchService Search { get; }
    public CatalogIndexer Indexer { get; }

    public static async Task<Store> CreateAsync(LocalEmbeddingGenerator embedder)
    {
        var store = new Store(Path.Combine(Path.GetTempPath(), $"chatagent-bench-{Guid.NewGuid():N}.db"), embedder);
        await using (var shop = store.Shop.CreateDbContext())
        {
            await shop.Database.MigrateAsync();
        }
        await using var index = store.Index.CreateDbContext();
        await index.Database.MigrateAsync();
        return store;
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
