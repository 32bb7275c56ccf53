using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using ChatAgent.Orchestration.Intents;
using ChatAgent.Shop.Plugins;
using Microsoft.SemanticKernel;

namespace ChatAgent.Orchestration.NoModel;

/// <summary>A parameter of a plugin function reachable in no-model mode, and how it is filled.</summary>
public sealed record PluginIntentParameter(string Name, string Kind, string Description, bool Required);

/// <summary>One plugin function declared with <see cref="NoModelIntentAttribute"/>.</summary>
public sealed record PluginIntent(string Intent, string Plugin, string Function, IReadOnlyList<string> Examples, string? Reply, bool RequiresVerifiedCustomer, IReadOnlyList<PluginIntentParameter> Parameters);

/// <summary>
/// The intents the enabled plugins declare (<see cref="NoModelIntentAttribute"/> on their functions): their example
/// utterances join the classifier's, and the engine routes a message classified as one of them to the function.
/// </summary>
public sealed partial class PluginIntents
{
    private static readonly string[] Kinds = ["weekday", "hour", "number", "order_id", "email", "text"];

    public PluginIntents(PluginCatalog catalog)
    {
        var list = new List<PluginIntent>();
        foreach (var plugin in catalog.Enabled)
        {
            foreach (var method in plugin.Type.GetMethods(BindingFlags.Public | BindingFlags.Instance))
            {
                if (method.GetCustomAttribute<NoModelIntentAttribute>() is not { } attribute)
                {
                    continue;
                }
                var function = method.GetCustomAttribute<KernelFunctionAttribute>()?.Name ?? method.Name;
                if (list.Any(i => i.Intent == attribute.Intent))
                {
                    throw new InvalidOperationException($"Two plugin functions declare the no-model intent '{attribute.Intent}'; intent names must be unique.");
                }
                var map = (attribute.Slots ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(p => p.Split('=', 2, StringSplitOptions.TrimEntries)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
                var parameters = method.GetParameters().Where(p => p.ParameterType != typeof(CancellationToken) && p.ParameterType != typeof(Kernel))
                    .Select(p => new PluginIntentParameter(p.Name!,
                        map.TryGetValue(p.Name!, out var kind) ? kind : Kinds.Contains(p.Name) ? p.Name! : p.ParameterType == typeof(int) ? "number" : "text",
                        p.GetCustomAttribute<DescriptionAttribute>()?.Description ?? p.Name!,
                        !p.HasDefaultValue))
                    .ToList();
                foreach (var bad in parameters.Where(p => !Kinds.Contains(p.Kind)))
                {
                    throw new InvalidOperationException($"{plugin.Type.Name}.{method.Name}: [NoModelIntent] Slots names the kind '{bad.Kind}' for {bad.Name}; kinds are {string.Join(", ", Kinds)}.");
                }
                list.Add(new PluginIntent(attribute.Intent, plugin.Name, function, attribute.Examples, attribute.Reply, attribute.RequiresVerifiedCustomer, parameters));
            }
        }
        All = list;
    }

    public IReadOnlyList<PluginIntent> All { get; }

    public PluginIntent? Find(string intent) => All.FirstOrDefault(i => i.Intent == intent);

    /// <summary>The declared examples, as labelled utterances for the classifier.</summary>
    public IEnumerable<LabelledUtterance> Examples => All.SelectMany(i => i.Examples.Select(e => new LabelledUtterance(e, i.Intent)));

    /// <summary>The value of a parameter read from a message, or null when the message does not give it.</summary>
    public static object? Read(PluginIntentParameter parameter, string text, bool answeringQuestion)
    {
        switch (parameter.Kind)
        {
            case "weekday":
                var day = Enum.GetNames<DayOfWeek>().FirstOrDefault(d => Regex.IsMatch(text, $@"\b{d}s?\b|\b{d[..3]}\b", RegexOptions.IgnoreCase));
                if (day is null && Regex.IsMatch(text, @"\btoday\b", RegexOptions.IgnoreCase)) day = DateTime.Now.DayOfWeek.ToString();
                if (day is null && Regex.IsMatch(text, @"\btomorrow\b", RegexOptions.IgnoreCase)) day = DateTime.Now.AddDays(1).DayOfWeek.ToString();
                return day;
            case "hour":
                var m = HourPattern().Match(text);
                if (!m.Success) return null;
                var hour = int.Parse(m.Groups["h"].Value, CultureInfo.InvariantCulture);
                if (m.Groups["pm"].Success && hour < 12) hour += 12;
                if (m.Groups["am"].Success && hour == 12) hour = 0;
                return hour;
            case "number":
                var n = Regex.Match(text, @"\b\d+\b");
                return n.Success ? int.Parse(n.Value, CultureInfo.InvariantCulture) : null;
            case "order_id":
                return SlotExtractor.Extract(text).OrderIds.FirstOrDefault();
            case "email":
                return SlotExtractor.Extract(text).Email;
            default:
                return answeringQuestion && !string.IsNullOrWhiteSpace(text) ? text.Trim() : null;
        }
    }

    [GeneratedRegex(@"\b(?:at\s+)?(?<h>[01]?\d|2[0-3])(?::\d{2})?\s*(?:(?<am>am|a\.m\.)|(?<pm>pm|p\.m\.)|(?=\s*(?:o'clock|h\b))|(?<=at\s+\d{1,2}))", RegexOptions.IgnoreCase)]
    private static partial Regex HourPattern();
}
