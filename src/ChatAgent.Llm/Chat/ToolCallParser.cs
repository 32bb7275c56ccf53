using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace ChatAgent.Llm.Chat;

/// <summary>Turns a model's tool-call output into <see cref="FunctionCallContent"/>s.</summary>
internal static partial class ToolCallParser
{
    /// <summary>Parses every call in <paramref name="output"/>; null when the output holds none or is malformed.</summary>
    public static List<FunctionCallContent>? Parse(string output, ToolCallFormat format)
    {
        var text = output.Trim();
        try
        {
            switch (format)
            {
                case ToolCallFormat.Hermes:
                    var matches = HermesCall().Matches(text);
                    if (matches.Count == 0) return null;
                    return [.. matches.Select(m => FromObject(m.Groups[1].Value, "arguments"))];
                case ToolCallFormat.Llama3Json:
                    if (!text.StartsWith('{')) return null;
                    return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(line => FromObject(line, "parameters"))];
                default:
                    const string prefix = "[TOOL_CALLS]";
                    if (!text.StartsWith(prefix, StringComparison.Ordinal)) return null;
                    using (var doc = JsonDocument.Parse(text[prefix.Length..]))
                        return [.. doc.RootElement.EnumerateArray().Select(e => FromObject(e.GetRawText(), "arguments"))];
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return null;
        }
    }

    private static FunctionCallContent FromObject(string json, string argumentsKey)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var name = root.GetProperty("name").GetString() ?? throw new InvalidOperationException("call without a name");
        var args = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (root.TryGetProperty(argumentsKey, out var a) && a.ValueKind == JsonValueKind.Object)
            foreach (var p in a.EnumerateObject()) args[p.Name] = p.Value.Clone();
        return new FunctionCallContent("call_" + Guid.NewGuid().ToString("N")[..12], name, args);
    }

    [GeneratedRegex(@"<tool_call>\s*(\{.*?\})\s*</tool_call>", RegexOptions.Singleline)]
    private static partial Regex HermesCall();
}
