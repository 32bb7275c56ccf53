using ChatAgent.Shop.Conversations;
namespace ChatAgent.Shop.Plugins;

/// <summary>
/// Marks a class as a ChatAgent plugin. The class is a plain C# class under <c>plugins/</c> whose
/// <c>[KernelFunction, Description]</c> methods become the model's tools; it is offered to the model only when
/// <paramref name="name"/> is listed in <c>Plugins:Enabled</c> in appsettings.json.
/// </summary>
/// <remarks>
/// Constructor parameters are injected per conversation: <see cref="CustomerSession"/> (the conversation and its
/// verified customer), <see cref="PluginSettings"/> (the <c>Plugins:&lt;name&gt;</c> config section), and any
/// registered service (e.g. <c>IDbContextFactory&lt;ShopDbContext&gt;</c>, <c>TimeProvider</c>).
/// </remarks>
/// <param name="name">The plugin name the model sees as the tool prefix; letters, digits and underscores.</param>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ChatAgentPluginAttribute(string name) : Attribute
{
    public string Name { get; } = name;

    /// <summary>One line for <c>chatagent plugins list</c>.</summary>
    public string? Description { get; init; }
}
