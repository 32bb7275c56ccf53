using ChatAgent.Embeddings;
using ChatAgent.ServiceDefaults;
using ChatAgent.Shop;
using ChatAgent.Shop.Recommendations;
using ChatAgent.Shop.Search;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatAgent.Search.Tests;

/// <summary>A migrated shop and catalogue index in a fresh database (a temp SQLite file, or a new PostgreSQL database).</summary>
public sealed class TestStore : IAsyncDisposable
{
    private static readonly Lazy<MiniLmEmbeddingGenerator> SharedEmbedder = new(() => new MiniLmEmbeddingGenerator(new LocalEmbeddingOptions()));
    private readonly Action _cleanup;

    private TestStore(DatabaseProvider provider, string connectionString, Action cleanup)
    {
        _cleanup = cleanup;
        Shop = new ShopDbContextFactory(provider, connectionString);
        Index = new CatalogIndexDbContextFactory(provider, connectionString);
        Search = new ProductSearchService(Shop, Index, Embedder, Options.Create(SearchOptions), TimeProvider.System);
        Indexer = new CatalogIndexer(Shop, Index, Embedder, Options.Create(SearchOptions), TimeProvider.System, Search);
        Recommendations = new RecommendationService(Shop, Index, Options.Create(new RecommendationOptions { ModelMinutes = 0 }), TimeProvider.System);
    }

    /// <summary>One model for the whole test run (loading it takes about a second).</summary>
    public static MiniLmEmbeddingGenerator Embedder => SharedEmbedder.Value;

    public static SearchOptions SearchOptions { get; } = new() { SnapshotSeconds = 0 };

    public ShopDbContextFactory Shop { get; }
    public CatalogIndexDbContextFactory Index { get; }
    public ProductSearchService Search { get; }
    public CatalogIndexer Indexer { get; }
    public RecommendationService Recommendations { get; }

    public static async Task<TestStore> SqliteAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), $"chatagent-search-{Guid.NewGuid():N}.db");
        var store = new TestStore(DatabaseProvider.Sqlite, $"Data Source={path};Pooling=False", () =>
        {
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(path + suffix);
            }
        });
        await store.MigrateAsync();
        return store;
    }

    /// <summary>A throw-away database on the server named by CHATAGENT_TEST_POSTGRES; skips the test when it is not set.</summary>
    public static async Task<TestStore> PostgresAsync()
    {
        var server = Environment.GetEnvironmentVariable("CHATAGENT_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(server))
        {
            Assert.Skip("CHATAGENT_TEST_POSTGRES is not set (a Npgsql connection string to a server where a test database may be created).");
        }
        var database = $"chatagent_search_{Guid.NewGuid():N}";
        var admin = new NpgsqlConnectionStringBuilder(server) { Pooling = false };
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", connection);
            await create.ExecuteNonQueryAsync();
        }
        var testDb = new NpgsqlConnectionStringBuilder(server) { Database = database, Pooling = false }.ConnectionString;
        var store = new TestStore(DatabaseProvider.Postgres, testDb, () =>
        {
            using var connection = new NpgsqlConnection(admin.ConnectionString);
            connection.Open();
            using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", connection);
            drop.ExecuteNonQuery();
        });
        await store.MigrateAsync();
        return store;
    }

    private async Task MigrateAsync()
    {
        await using (var shop = Shop.CreateDbContext())
        {
            await shop.Database.MigrateAsync();
        }
        await using var index = Index.CreateDbContext();
        await index.Database.MigrateAsync();
    }

    public async Task AddAsync(params Product[] products)
    {
        await using var shop = Shop.CreateDbContext();
        shop.Products.AddRange(products);
        await shop.SaveChangesAsync();
    }

    public ValueTask DisposeAsync()
    {
        _cleanup();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Builds small catalogue products for tests.</summary>
internal static class Catalog
{
    public static Product Product(string id, string name, string category, string description, params (string Options, decimal Price, bool Available)[] variants) => new()
    {
        Id = id,
        Name = name,
        Category = category,
        Description = description,
        CreatedAt = DateTimeOffset.UtcNow,
        Variants = variants.Select((v, i) => new ProductVariant
        {
            Id = $"{id}-{i}",
            ProductId = id,
            Price = v.Price,
            Available = v.Available,
            Options = v.Options.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(o => o.Split('=')).ToDictionary(o => o[0].Trim(), o => o[1].Trim()),
        }).ToList(),
    };

    /// <summary>Audio products named without the words "wireless" or "earbuds", next to distractors.</summary>
    public static Product[] Demo() =>
    [
        Product("p-headphones", "Bluetooth In-Ear Headphones", "Audio", "True cordless earphones with a pocket charging case and 24 hours of battery.",
            ("color=black", 59m, true), ("color=white", 59m, false), ("color=red", 64m, true)),
        Product("p-overear", "Studio Over-Ear Headphones", "Audio", "Closed-back headphones with a detachable cable for mixing and monitoring.",
            ("color=black", 149m, true)),
        Product("p-mouse", "Wireless Mouse", "Computer accessories", "Ergonomic mouse with a USB receiver.",
            ("color=black", 25m, true), ("color=grey", 25m, true)),
        Product("p-hose", "Garden Hose 25 m", "Garden", "Kink-resistant garden hose with brass fittings.",
            ("length=25m", 39m, true)),
        Product("p-tshirt", "Cotton T-Shirt", "Clothing", "Soft organic cotton tee.",
            ("color=red,size=M", 19m, true), ("color=red,size=L", 19m, false), ("color=blue,size=M", 19m, true), ("color=blue,size=L", 21m, true)),
        Product("p-hoodie", "Zip Hoodie", "Clothing", "Warm fleece hoodie with a full zip.",
            ("color=grey,size=M", 49m, false), ("color=grey,size=L", 49m, false)),
        Product("p-kettle", "Electric Kettle", "Kitchen", "1.7 litre kettle with rapid boil and auto shut-off.",
            ("color=silver", 35m, true)),
        Product("p-speaker", "Portable Bluetooth Speaker", "Audio", "Waterproof speaker for the beach and the shower.",
            ("color=blue", 45m, true)),
        Product("p-running", "Running Shoes", "Footwear", "Lightweight trainers for road running.",
            ("color=red,size=9", 89m, true), ("color=black,size=10", 89m, true)),
    ];
}
