using ChatAgent.Shop.Conversations;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;

namespace ChatAgent.Shop.Plugins;

/// <summary>A discovered plugin class.</summary>
public sealed record PluginDescriptor(string Name, Type Type, string? Description);

/// <summary>An assembly scanned for <see cref="ChatAgentPluginAttribute"/> classes (registered by <c>AddShop</c> / <c>AddShopPlugins</c>).</summary>
public sealed record PluginAssembly(Assembly Assembly);

/// <summary>
/// Knows every plugin class in the registered assemblies and which are enabled, and builds the plugin set for one
/// conversation: fresh instances that receive that conversation's <see cref="CustomerSession"/>.
/// </summary>
public sealed class PluginCatalog
{
    private readonly IConfiguration _configuration;

    public PluginCatalog(IEnumerable<PluginAssembly> assemblies, IOptions<PluginOptions> options, IConfiguration configuration)
    {
        _configuration = configuration;
        Discovered = Discover(assemblies.Select(a => a.Assembly).Distinct());
        var byName = Discovered.ToDictionary(d => d.Name, StringComparer.OrdinalIgnoreCase);
        Enabled = options.Value.Enabled
            .Where(n => !string.IsNullOrWhiteSpace(n))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(n => byName.TryGetValue(n.Trim(), out var d) ? d : null)
            .OfType<PluginDescriptor>()
            .ToList();
    }

    /// <summary>All plugin classes found, enabled or not.</summary>
    public IReadOnlyList<PluginDescriptor> Discovered { get; }

    /// <summary>The plugins named in <c>Plugins:Enabled</c>, in that order.</summary>
    public IReadOnlyList<PluginDescriptor> Enabled { get; }

    /// <summary>Names in <c>Plugins:Enabled</c> that match no plugin class (a start-up error).</summary>
    public static IReadOnlyList<string> UnknownNames(IEnumerable<Assembly> assemblies, PluginOptions options)
    {
        var known = Discover(assemblies).Select(d => d.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return options.Enabled.Where(n => !known.Contains(n.Trim())).ToList();
    }

    /// <summary>Creates the enabled plugins for one conversation, as Semantic Kernel plugins ready for <c>kernel.Plugins.AddRange</c>.</summary>
    public IReadOnlyList<KernelPlugin> CreatePlugins(IServiceProvider services, CustomerSession session) =>
        Enabled.Select(d => Create(services, session, d)).ToList();

    /// <summary>Creates one plugin by name (enabled or not; the developer CLI uses this). Null when no such plugin exists.</summary>
    public KernelPlugin? CreatePlugin(IServiceProvider services, CustomerSession session, string name)
    {
        var descriptor = Discovered.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));
        return descriptor is null ? null : Create(services, session, descriptor);
    }

    private KernelPlugin Create(IServiceProvider services, CustomerSession session, PluginDescriptor descriptor)
    {
        var settings = new PluginSettings(descriptor.Name, _configuration.GetSection($"{PluginOptions.Section}:{descriptor.Name}"));
        var instance = ActivatorUtilities.CreateInstance(new PerConversationServices(services, session, settings), descriptor.Type);
        return KernelPluginFactory.CreateFromObject(instance, descriptor.Name);
    }

    private static List<PluginDescriptor> Discover(IEnumerable<Assembly> assemblies)
    {
        var found = new List<PluginDescriptor>();
        foreach (var assembly in assemblies)
        {
            foreach (var type in assembly.GetTypes())
            {
                if (type is { IsClass: true, IsAbstract: false } && type.GetCustomAttribute<ChatAgentPluginAttribute>() is { } attribute)
                {
                    if (found.Any(f => string.Equals(f.Name, attribute.Name, StringComparison.OrdinalIgnoreCase)))
                    {
                        throw new InvalidOperationException($"Two plugin classes are named '{attribute.Name}': {found.First(f => string.Equals(f.Name, attribute.Name, StringComparison.OrdinalIgnoreCase)).Type.FullName} and {type.FullName}. Plugin names must be unique.");
                    }
                    found.Add(new PluginDescriptor(attribute.Name, type, attribute.Description));
                }
            }
        }
        return found;
    }

    /// <summary>Adds the conversation's session and the plugin's settings to what a plugin constructor can ask for.</summary>
    private sealed class PerConversationServices(IServiceProvider inner, CustomerSession session, PluginSettings settings) : IServiceProvider
    {
        public object? GetService(Type serviceType) =>
            serviceType == typeof(CustomerSession) ? session
            : serviceType == typeof(PluginSettings) ? settings
            : inner.GetService(serviceType);
    }
}
