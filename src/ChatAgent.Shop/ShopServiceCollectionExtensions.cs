using System.Reflection;
using ChatAgent.ServiceDefaults;
using ChatAgent.Shop.Conversations;
using ChatAgent.Shop.Orders;
using ChatAgent.Shop.Plugins;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ChatAgent.Shop;

/// <summary>Wiring of the shop store, conversation authorization and plugins into a host.</summary>
public static class ShopServiceCollectionExtensions
{
    /// <summary>Name of the assembly built from <c>plugins/ChatAgent.Plugins.csproj</c>, loaded when the host references it.</summary>
    public const string PluginsAssemblyName = "ChatAgent.Plugins";

    /// <summary>
    /// Registers the store (<c>IDbContextFactory&lt;ShopDbContext&gt;</c> on the provider chosen by <c>Database:Provider</c>),
    /// <see cref="CustomerSessionFactory"/>, <see cref="ConfirmationGate"/>, <see cref="OrderActions"/>, <see cref="PluginCatalog"/>
    /// (scanning the <c>ChatAgent.Plugins</c> assembly when present), validated <see cref="ShopOptions"/> and <see cref="PluginOptions"/>,
    /// and a hosted service that migrates (when <c>Database:MigrateOnStart</c>) and seeds the demo shop (when <c>Shop:SeedDemoData</c>).
    /// </summary>
    public static IServiceCollection AddShop(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ShopOptions>().Bind(configuration.GetSection(ShopOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PluginOptions>().Bind(configuration.GetSection(PluginOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PluginOptions>, PluginOptionsValidator>());
        services.TryAddSingleton(configuration);
        services.TryAddSingleton(TimeProvider.System);

        services.TryAddSingleton<IDbContextFactory<ShopDbContext>>(sp =>
        {
            var provider = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.Provider;
            return new ShopDbContextFactory(provider, DatabaseExtensions.ResolveConnectionString(configuration, provider, contentRoot));
        });
        services.TryAddSingleton<Formatting.ShopFormat>();
        services.TryAddSingleton<CustomerSessionFactory>();
        services.TryAddSingleton<ConfirmationGate>();
        services.TryAddSingleton<OrderActions>();
        services.TryAddSingleton<PluginCatalog>();
        services.TryAddSingleton<ShopInitializer>();
        services.AddHostedService<ShopInitializerHostedService>();

        try
        {
            services.AddShopPlugins(Assembly.Load(new AssemblyName(PluginsAssemblyName)));
        }
        catch (FileNotFoundException)
        {
            // A host without the plugins project still runs; Plugins:Enabled validation reports any name it cannot find.
        }
        return services;
    }

    /// <summary>Adds an assembly whose <see cref="ChatAgentPluginAttribute"/> classes the <see cref="PluginCatalog"/> offers.</summary>
    public static IServiceCollection AddShopPlugins(this IServiceCollection services, Assembly assembly)
    {
        services.AddSingleton(new PluginAssembly(assembly));
        return services;
    }

    private sealed class PluginOptionsValidator(IEnumerable<PluginAssembly> assemblies) : IValidateOptions<PluginOptions>
    {
        public ValidateOptionsResult Validate(string? name, PluginOptions options)
        {
            var list = assemblies.Select(a => a.Assembly).Distinct().ToList();
            var unknown = PluginCatalog.UnknownNames(list, options);
            if (unknown.Count == 0)
            {
                return ValidateOptionsResult.Success;
            }
            var known = new PluginCatalog(assemblies, Options.Create(new PluginOptions()), new ConfigurationBuilder().Build()).Discovered.Select(d => d.Name);
            return ValidateOptionsResult.Fail($"Plugins:Enabled names unknown plugin(s): {string.Join(", ", unknown)}. Known plugins: {string.Join(", ", known)}. A plugin is a class marked [ChatAgentPlugin(\"name\")] under plugins/.");
        }
    }
}

/// <summary>Runs <see cref="ShopInitializer.InitializeAsync"/> when the host starts.</summary>
internal sealed class ShopInitializerHostedService(ShopInitializer initializer) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => initializer.InitializeAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
