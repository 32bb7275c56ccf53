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
public sealed class CatalogInitializer(CatalogIndexDbContextFactory indexFactory, IServiceProvider services, IOptions<DatabaseOptions> database,
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

    /// <summary>Indexes new or changed products (when <c>Search:IndexOnStart</c>); the embedding model loads only then.</summary>
    public async Task IndexAsync(ImportProgress? progress = null, CancellationToken cancellationToken = default)
    {
        if (search.Value.IndexOnStart)
        {
            var report = await services.GetRequiredService<CatalogIndexer>().IndexAsync(progress, cancellationToken);
            _logger.LogInformation("{Report}", report.ToString());
        }
    }
}

/// <summary>
/// Migrates the index when the host starts, then indexes in the background: the host answers at once (searches
/// see the products indexed so far), and a host that never searches pays nothing but the model load.
/// </summary>
internal sealed class CatalogInitializerHostedService(CatalogInitializer initializer, ILogger<CatalogInitializerHostedService> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _indexing = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await initializer.MigrateAsync(cancellationToken);
        _indexing = Task.Run(async () =>
        {
            try
            {
                await initializer.IndexAsync(cancellationToken: _stopping.Token);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                logger.LogError(e, "Indexing the catalogue for search failed; search falls back to what is indexed");
            }
        }, CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _indexing.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    // Disposed with the container, not in StopAsync: a host may be stopped more than once.
    public void Dispose() => _stopping.Dispose();
}
