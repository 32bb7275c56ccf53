using ChatAgent.ServiceDefaults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace ChatAgent.Shop.Search;

/// <summary>
/// What search and recommendations derive from the store: one search document (text and embedding) per product,
/// and imported purchase logs. Kept apart from <see cref="ShopDbContext"/> (own migrations, history table
/// <see cref="MigrationsHistoryTable"/>) so either schema can evolve alone. The full-text index is the provider's own:
/// an FTS5 table kept in sync by triggers on SQLite, a generated tsvector column with a GIN index on PostgreSQL;
/// both are created by raw SQL in the migrations.
/// </summary>
public abstract class CatalogIndexDbContext(DbContextOptions options) : DbContext(options)
{
    public const string MigrationsHistoryTable = "__CatalogIndexMigrations";
    public const string DocumentsTable = "catalog_search_documents";
    public const string FtsTable = "catalog_search_fts";
    public const string PurchasesTable = "catalog_purchases";

    public DbSet<ProductSearchDocument> Documents => Set<ProductSearchDocument>();
    public DbSet<PurchaseRecord> Purchases => Set<PurchaseRecord>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.Entity<ProductSearchDocument>(e =>
        {
            e.ToTable(DocumentsTable);
            e.HasKey(d => d.Id);
            e.HasIndex(d => d.ProductId).IsUnique();
            e.Property(d => d.ProductId).HasMaxLength(64);
            e.Property(d => d.Title).HasMaxLength(300);
            e.Property(d => d.Tags).HasMaxLength(2000);
            e.Property(d => d.ContentHash).HasMaxLength(64);
            e.Property(d => d.Model).HasMaxLength(64);
        });

        b.Entity<PurchaseRecord>(e =>
        {
            e.ToTable(PurchasesTable);
            e.HasKey(p => p.Id);
            e.Property(p => p.Source).HasMaxLength(64);
            e.Property(p => p.OrderKey).HasMaxLength(64);
            e.Property(p => p.CustomerKey).HasMaxLength(64);
            e.Property(p => p.Sku).HasMaxLength(100);
            e.Property(p => p.ProductId).HasMaxLength(64);
            e.Property(p => p.UnitPrice).HasPrecision(12, 2);
            // The natural key of a log line: re-importing the same file finds its rows instead of duplicating them.
            e.HasIndex(p => new { p.Source, p.OrderKey, p.Line }).IsUnique();
            e.HasIndex(p => p.CustomerKey);
        });
    }
}

/// <summary>A product's searchable text and its embedding.</summary>
public sealed class ProductSearchDocument
{
    /// <summary>Integer key: the FTS5 rowid, which stays stable (a text key's implicit rowid may change on VACUUM).</summary>
    public long Id { get; set; }
    public required string ProductId { get; set; }
    public required string Title { get; set; }
    public required string Body { get; set; }
    /// <summary>Tags from a product import (the store has no tag column); kept across re-indexing.</summary>
    public string? Tags { get; set; }
    /// <summary>Hash of model and text: unchanged products are not embedded again.</summary>
    public string ContentHash { get; set; } = "";
    public string Model { get; set; } = "";
    /// <summary>Unit-length float32 vector, little-endian.</summary>
    public byte[]? Vector { get; set; }
    public DateTimeOffset IndexedAt { get; set; }
}

/// <summary>One line of an imported purchase log (for recommendations).</summary>
public sealed class PurchaseRecord
{
    public long Id { get; set; }
    /// <summary>Which log it came from (by default the file name), so two logs with the same order numbers do not collide.</summary>
    public required string Source { get; set; }
    public required string OrderKey { get; set; }
    public int Line { get; set; }
    public required string CustomerKey { get; set; }
    public required string Sku { get; set; }
    /// <summary>The store product the SKU belongs to.</summary>
    public required string ProductId { get; set; }
    public int Quantity { get; set; }
    public decimal? UnitPrice { get; set; }
    public DateTimeOffset PurchasedAt { get; set; }
}

/// <summary>The index on SQLite; migrations under <c>Search/Migrations/Sqlite</c>.</summary>
public sealed class SqliteCatalogIndexDbContext(DbContextOptions<SqliteCatalogIndexDbContext> options) : CatalogIndexDbContext(options)
{
    // SQLite has no DateTimeOffset type: stored as a number, purchases still sort and compare by time in SQL.
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder) =>
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<Microsoft.EntityFrameworkCore.Storage.ValueConversion.DateTimeOffsetToBinaryConverter>();
}

/// <summary>The index on PostgreSQL; migrations under <c>Search/Migrations/Postgres</c>.</summary>
public sealed class PostgresCatalogIndexDbContext(DbContextOptions<PostgresCatalogIndexDbContext> options) : CatalogIndexDbContext(options);

internal sealed class SqliteCatalogIndexDbContextDesignFactory : IDesignTimeDbContextFactory<SqliteCatalogIndexDbContext>
{
    public SqliteCatalogIndexDbContext CreateDbContext(string[] args) =>
        new(CatalogIndexDbContextFactory.Options<SqliteCatalogIndexDbContext>(DatabaseProvider.Sqlite, "Data Source=design-time-index.db"));
}

internal sealed class PostgresCatalogIndexDbContextDesignFactory : IDesignTimeDbContextFactory<PostgresCatalogIndexDbContext>
{
    public PostgresCatalogIndexDbContext CreateDbContext(string[] args) =>
        new(CatalogIndexDbContextFactory.Options<PostgresCatalogIndexDbContext>(DatabaseProvider.Postgres, "Host=127.0.0.1;Database=chatagent_design;Username=postgres"));
}

/// <summary>Creates the provider-specific <see cref="CatalogIndexDbContext"/> chosen by <c>Database:Provider</c>.</summary>
public sealed class CatalogIndexDbContextFactory : IDbContextFactory<CatalogIndexDbContext>
{
    private readonly Func<CatalogIndexDbContext> _create;

    public CatalogIndexDbContextFactory(DatabaseProvider provider, string connectionString)
    {
        Provider = provider;
        if (provider == DatabaseProvider.Postgres)
        {
            var options = Options<PostgresCatalogIndexDbContext>(provider, connectionString);
            _create = () => new PostgresCatalogIndexDbContext(options);
        }
        else
        {
            var options = Options<SqliteCatalogIndexDbContext>(provider, connectionString);
            _create = () => new SqliteCatalogIndexDbContext(options);
        }
    }

    public DatabaseProvider Provider { get; }

    public CatalogIndexDbContext CreateDbContext() => _create();

    internal static DbContextOptions<T> Options<T>(DatabaseProvider provider, string connectionString) where T : DbContext
    {
        var builder = new DbContextOptionsBuilder<T>();
        builder.UseChatAgentDatabase(provider, connectionString, CatalogIndexDbContext.MigrationsHistoryTable);
        return builder.Options;
    }
}
