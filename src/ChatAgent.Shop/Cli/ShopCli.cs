using ChatAgent.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatAgent.Shop.Cli;

/// <summary>
/// The services a shop CLI command needs, built from the same appsettings.json (and environment variables) as the
/// host, without starting the web host. Import subcommands (tau-retail, products, purchases) share it.
/// </summary>
public static class ShopCli
{
    /// <summary>
    /// Builds the shop's services and brings the store schema up to date (no demo seeding). <paramref name="overrides"/>
    /// (configuration keys, e.g. <c>ConnectionStrings:ChatAgent</c>) win over appsettings.json and the environment.
    /// </summary>
    public static async Task<ServiceProvider> BuildServicesAsync(CancellationToken cancellationToken, IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        var root = ContentRoot.Resolve();
        var environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? "Production";
        var configuration = new ConfigurationBuilder()
            .SetBasePath(root)
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile($"appsettings.{environment}.json", optional: true)
            .AddEnvironmentVariables()
            .AddInMemoryCollection([new("Shop:SeedDemoData", "false")])
            .AddInMemoryCollection(overrides ?? [])
            .Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddConfiguration(configuration.GetSection("Logging")).SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<IConfiguration>(configuration);
        services.AddShop(configuration, root);
        services.AddCatalog(configuration, root);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        try
        {
            // Fail on bad configuration now, with the options' own messages.
            _ = provider.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            _ = provider.GetRequiredService<IOptions<ShopOptions>>().Value;
            _ = provider.GetRequiredService<IOptions<Plugins.PluginOptions>>().Value;
            _ = provider.GetRequiredService<IOptions<Search.SearchOptions>>().Value;
            _ = provider.GetRequiredService<IOptions<Recommendations.RecommendationOptions>>().Value;
            await provider.GetRequiredService<ShopInitializer>().InitializeAsync(cancellationToken);
            await provider.GetRequiredService<CatalogInitializer>().MigrateAsync(cancellationToken);
            return provider;
        }
        catch
        {
            await provider.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs a command body with clean error output: configuration and database errors print one message and exit 1.</summary>
    public static async Task<int> RunAsync(Func<IServiceProvider, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            await using var services = await BuildServicesAsync(cancellationToken);
            return await body(services);
        }
        catch (OptionsValidationException e)
        {
            await Console.Error.WriteLineAsync($"Configuration error: {string.Join("; ", e.Failures)}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("Cancelled.");
            return 130;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException or Microsoft.EntityFrameworkCore.DbUpdateException or System.Data.Common.DbException)
        {
            await Console.Error.WriteLineAsync($"Error: {e.Message}");
            return 1;
        }
    }
}
