using Microsoft.Extensions.Configuration;

namespace ChatAgent.Shop.Plugins;

/// <summary>The <c>Plugins</c> section: <c>Plugins:Enabled</c> lists the plugin names offered to the model; <c>Plugins:&lt;name&gt;</c> configures one plugin.</summary>
public sealed class PluginOptions
{
    public const string Section = "Plugins";

    /// <summary>Names from <see cref="ChatAgentPluginAttribute"/>; unknown names stop the host at start-up.</summary>
    public List<string> Enabled { get; set; } = [];
}

/// <summary>A plugin's own configuration section (<c>Plugins:&lt;name&gt;</c>), injected into its constructor.</summary>
public sealed class PluginSettings(string pluginName, IConfigurationSection section)
{
    public string PluginName { get; } = pluginName;

    /// <summary>The raw section; bind it to your own options class with <c>Section.Get&lt;T&gt;()</c>.</summary>
    public IConfigurationSection Section { get; } = section;

    /// <summary>The value of <c>Plugins:&lt;name&gt;:&lt;key&gt;</c>, or null.</summary>
    public string? this[string key] => Section[key];

    public T Get<T>(string key, T fallback) => Section.GetValue(key, fallback) ?? fallback;
}
