using ChatAgent.ServiceDefaults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace ChatAgent.Shop;

/// <summary>The store on SQLite; migrations under <c>Migrations/Sqlite</c>.</summary>
public sealed class SqliteShopDbContext(DbContextOptions<SqliteShopDbContext> options) : ShopDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite has no date type: EF stores DateTimeOffset as text it cannot compare or sort. As a number it can.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}

/// <summary>The store on PostgreSQL; migrations under <c>Migrations/Postgres</c>.</summary>
public sealed class PostgresShopDbContext(DbContextOptions<PostgresShopDbContext> options) : ShopDbContext(options);

/// <summary>Lets <c>dotnet ef migrations add X --context SqliteShopDbContext</c> build the context without a host.</summary>
internal sealed class SqliteShopDbContextDesignFactory : IDesignTimeDbContextFactory<SqliteShopDbContext>
{
    public SqliteShopDbContext CreateDbContext(string[] args) =>
        new(ShopDbContextFactory.Options<SqliteShopDbContext>(DatabaseProvider.Sqlite, "Data Source=design-time-shop.db"));
}

/// <summary>Lets <c>dotnet ef migrations add X --context PostgresShopDbContext</c> build the context without a server.</summary>
internal sealed class PostgresShopDbContextDesignFactory : IDesignTimeDbContextFactory<PostgresShopDbContext>
{
    public PostgresShopDbContext CreateDbContext(string[] args) =>
        new(ShopDbContextFactory.Options<PostgresShopDbContext>(DatabaseProvider.Postgres, "Host=127.0.0.1;Database=chatagent_design;Username=postgres"));
}

/// <summary>
/// Creates the provider-specific <see cref="ShopDbContext"/> chosen by <c>Database:Provider</c>.
/// Plugins and services take <c>IDbContextFactory&lt;ShopDbContext&gt;</c> and create one short-lived context per call.
/// </summary>
public sealed class ShopDbContextFactory : IDbContextFactory<ShopDbContext>
{
    private readonly Func<ShopDbContext> _create;

    public ShopDbContextFactory(DatabaseProvider provider, string connectionString)
    {
        Provider = provider;
        ConnectionString = connectionString;
        if (provider == DatabaseProvider.Postgres)
        {
            var options = Options<PostgresShopDbContext>(provider, connectionString);
            _create = () => new PostgresShopDbContext(options);
        }
        else
        {
            var options = Options<SqliteShopDbContext>(provider, connectionString);
            _create = () => new SqliteShopDbContext(options);
        }
    }

    public DatabaseProvider Provider { get; }
    public string ConnectionString { get; }

    public ShopDbContext CreateDbContext() => _create();

    internal static DbContextOptions<T> Options<T>(DatabaseProvider provider, string connectionString) where T : DbContext
    {
        var builder = new DbContextOptionsBuilder<T>();
        builder.UseChatAgentDatabase(provider, connectionString, ShopDbContext.MigrationsHistoryTable);
        return builder.Options;
    }
}
