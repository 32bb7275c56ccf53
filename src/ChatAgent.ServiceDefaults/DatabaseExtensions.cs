using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;

namespace ChatAgent.ServiceDefaults;

/// <summary>The one place that turns <c>Database:Provider</c> and <c>ConnectionStrings:ChatAgent</c> into EF Core options.</summary>
public static class DatabaseExtensions
{
    public const string ConnectionStringName = "ChatAgent";
    public const string DefaultSqliteFile = "data/chatagent.db";

    /// <summary>The effective connection string: the configured one, or the default SQLite file under the content root.</summary>
    public static string ResolveConnectionString(IConfiguration configuration, DatabaseProvider provider, string contentRoot)
    {
        var configured = configuration.GetConnectionString(ConnectionStringName);
        if (provider == DatabaseProvider.Postgres)
        {
            return string.IsNullOrWhiteSpace(configured)
                ? throw new InvalidOperationException("Database:Provider is Postgres but ConnectionStrings:ChatAgent is empty. Set it to a Npgsql connection string, e.g. \"Host=127.0.0.1;Database=chatagent;Username=chatagent\".")
                : configured;
        }

        var builder = new SqliteConnectionStringBuilder(string.IsNullOrWhiteSpace(configured) ? $"Data Source={DefaultSqliteFile}" : configured);
        if (!string.IsNullOrEmpty(builder.DataSource) && builder.DataSource != ":memory:" && !Path.IsPathRooted(builder.DataSource))
        {
            builder.DataSource = Path.GetFullPath(Path.Combine(contentRoot, builder.DataSource));
        }
        if (!string.IsNullOrEmpty(builder.DataSource) && builder.DataSource != ":memory:")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(builder.DataSource)!);
        }
        builder.Pooling = true;
        builder.DefaultTimeout = 30;
        return builder.ToString();
    }

    /// <summary>Typed form of <see cref="UseChatAgentDatabase(DbContextOptionsBuilder, DatabaseProvider, string, string)"/>.</summary>
    public static DbContextOptionsBuilder<TContext> UseChatAgentDatabase<TContext>(this DbContextOptionsBuilder<TContext> options, DatabaseProvider provider, string connectionString, string migrationsHistoryTable)
        where TContext : DbContext
    {
        ((DbContextOptionsBuilder)options).UseChatAgentDatabase(provider, connectionString, migrationsHistoryTable);
        return options;
    }

    /// <summary>Configures the provider; <paramref name="migrationsHistoryTable"/> keeps each context's migrations apart in one database.</summary>
    public static DbContextOptionsBuilder UseChatAgentDatabase(this DbContextOptionsBuilder options, DatabaseProvider provider, string connectionString, string migrationsHistoryTable)
    {
        return provider switch
        {
            DatabaseProvider.Postgres => options.UseNpgsql(connectionString, o => o.MigrationsHistoryTable(migrationsHistoryTable)),
            _ => options.UseSqlite(connectionString, o => o.MigrationsHistoryTable(migrationsHistoryTable))
                        .AddInterceptors(SqlitePragmas.Instance),
        };
    }
}
