using ChatAgent.Embeddings;
using ChatAgent.ServiceDefaults;
using ChatAgent.Shop.Import;
using ChatAgent.Shop.Recommendations;
using ChatAgent.Shop.Search;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ChatAgent.Shop;

/// <summary>Wiring of product search, recommendations and the local embedder into a host.</summary>
public static class CatalogServiceCollectionExtensions
{
    /// <summary>
    /// Registers hybrid product search (<see cref="ProductSearchService"/>, <see cref="CatalogIndexer"/>), recommendations
    /// (<see cref="RecommendationService"/>), the local all-MiniLM-L6-v2 embedder (<c>AddLocalEmbeddings</c>), the catalogue
    /// index store (<see cref="CatalogIndexDbContextFactory"/>, same database as the shop, own migrations), validated
    /// <see cref="SearchOptions"/> (<c>Search</c>) and <see cref="RecommendationOptions"/> (<c>Recommendations</c>), and a hosted
    /// service that migrates the index (when <c>Database:MigrateOnStart</c>) and indexes new or changed products (when
    /// <c>Search:IndexOnStart</c>). Call after <c>AddShop</c>, so the store is seeded before it is indexed.
    /// </summary>
    public static IServiceCollection AddCatalog(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddLocalEmbeddings(configuration);
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SearchOptions>().Bind(configuration.GetSection(SearchOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RecommendationOptions>().Bind(configuration.GetSection(RecommendationOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            var provider = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.Provider;
            return new CatalogIndexDbContextFactory(provider, DatabaseExtensions.ResolveConnectionString(configuration, provider, contentRoot));
        });
        services.TryAddSingleton<ProductSearchService>();
        services.TryAddSingleton<CatalogIndexer>();
        services.TryAddSingleton<RecommendationService>();
        services.TryAddSingleton<CatalogInitializer>();
        services.AddHostedService<CatalogInitializerHostedService>();
        return services;
    }
}

/// <summary>Migrates the catalogue index and brings it up to date with the store.</summary>
public sealed class CatalogInitializer(CatalogIndexDbContextFactory indexFactory, CatalogIndexer indexer, IOptions<DatabaseOptions> database,
    IOptions<SearchOptions> search, ILogger<CatalogInitializer>? logger = null)
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <summary>Applies the index migrations (when <c>Database:MigrateOnStart</c>).</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        if (database.Value.MigrateOnStart)
        {
            await using var index = indexFactory.CreateDbContext();
            await index.Database.MigrateAsync(cancellationToken);
        }
    }

    /// <summary>Migrates, then indexes new or changed products (when <c>Search:IndexOnStart</c>).</summary>
    public async Task InitializeAsync(ImportProgress? progress = null, CancellationToken cancellationToken = default)
    {
        await MigrateAsync(cancellationToken);
        if (search.Value.IndexOnStart)
        {
            var report = await indexer.IndexAsync(progress, cancellationToken);
            _logger.LogInformation("{Report}", report.ToString());
        }
    }
}

/// <summary>Runs <see cref="CatalogInitializer.InitializeAsync"/> when the host starts: the index must exist before the first search.</summary>
internal sealed class CatalogInitializerHostedService(CatalogInitializer initializer) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => initializer.InitializeAsync(cancellationToken: cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
