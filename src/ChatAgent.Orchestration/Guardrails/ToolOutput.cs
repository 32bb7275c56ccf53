using System.Text.RegularExpressions;

namespace ChatAgent.Orchestration.Guardrails;

/// <summary>
/// Tool output is data, never instructions. Text in a tool result that reads like an order to the assistant
/// (a planted "ignore previous instructions…" in a product description or note) is neutralised before the model sees
/// it; authorization of writes is enforced in code (confirmation gate, plugins) whatever the model does.
/// </summary>
public static partial class ToolOutput
{
    public const string Removed = "[removed: instruction-like text inside data]";

    public static string Neutralise(string result, out bool changed)
    {
        var cleaned = Instruction().Replace(result, Removed);
        changed = !ReferenceEquals(cleaned, result) && cleaned != result;
        return cleaned;
    }

    [GeneratedRegex(@"(?:ignore|disregard|forget)\s+(?:all\s+|any\s+|the\s+)?(?:previous|prior|above|earlier|your)\s+(?:instructions?|rules?|prompts?)[^""\]}]*|(?:you must|you should|assistant,?|system:)\s*(?:now\s+)?(?:call|invoke|run|cancel|confirm|refund|execute)[^""\]}]*|\b(?:call|invoke)\s+(?:the\s+)?(?:function|tool)\s+[\w\-]+[^""\]}]*", RegexOptions.IgnoreCase)]
    private static partial Regex Instruction();
}
