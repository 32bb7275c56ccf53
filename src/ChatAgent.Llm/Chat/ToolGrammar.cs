using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ChatAgent.Llm.Chat;

/// <summary>
/// Builds a GBNF grammar from the tools' JSON schemas, so that a constrained model can only write well-formed calls:
/// tool names as an enum, argument names fixed, required ones present, types, enums and string bounds respected.
/// </summary>
internal static class ToolGrammar
{
    // Caps that keep a confused model from running away inside one value; schemas may tighten them.
    internal const int MaxStringLength = 200;
    internal const int MaxArrayItems = 16;
    internal const int MaxCallsPerTurn = 4;
    private const int RepetitionLimit = 1000;

    /// <summary>The grammar for one turn.</summary>
    /// <param name="tools">Tools the model may call.</param>
    /// <param name="format">How calls are written.</param>
    /// <param name="allowText">True under Auto: a plain text answer is allowed instead of calls.</param>
    public static string Build(IReadOnlyList<AIFunctionDeclaration> tools, ToolCallFormat format, bool allowText)
    {
        if (tools.Count == 0) throw new ArgumentException("At least one tool is needed for a tool grammar.", nameof(tools));
        var g = new Builder();
        var callRules = new List<string>();
        for (var i = 0; i < tools.Count; i++)
        {
            var args = g.Value($"args{i}", tools[i].JsonSchema, forceObject: true);
            var argKey = format == ToolCallFormat.Llama3Json ? "parameters" : "arguments";
            var rule = $"call{i}";
            g.Rules[rule] = $"\"{{\\\"name\\\":\" ws {Lit(JsonString(tools[i].Name))} \",\" ws {Lit(JsonString(argKey))} \":\" ws {args} ws \"}}\"";
            callRules.Add(rule);
        }
        g.Rules["call"] = string.Join(" | ", callRules);
        var repeat = $"{{0,{MaxCallsPerTurn - 1}}}";
        g.Rules["calls"] = format switch
        {
            ToolCallFormat.Hermes => $"\"<tool_call>\\n\" call \"\\n</tool_call>\" (\"\\n<tool_call>\\n\" call \"\\n</tool_call>\"){repeat}",
            ToolCallFormat.Llama3Json => $"call (\"\\n\" call){repeat}",
            _ => $"\"[TOOL_CALLS] [\" call (\", \" call){repeat} \"]\"",
        };
        if (allowText)
        {
            // Text may be anything that does not open a call; it starts with a visible character so that a model
            // cannot drift into whitespace before deciding.
            var first = format == ToolCallFormat.Hermes ? "[^<\\x00 \\t\\n\\r]" : format == ToolCallFormat.Llama3Json ? "[^{\\x00 \\t\\n\\r]" : "[^\\[\\x00 \\t\\n\\r]";
            g.Rules["text"] = $"{first} [^\\x00]*";
            g.Rules["root"] = "calls | text";
        }
        else
        {
            g.Rules["root"] = "calls";
        }
        return g.ToString();
    }

    internal static string JsonString(string s) => JsonSerializer.Serialize(s);

    /// <summary>A GBNF literal for <paramref name="text"/>.</summary>
    internal static string Lit(string text)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default: sb.Append(c); break;
            }
        }
        return sb.Append('"').ToString();
    }

    private sealed class Builder
    {
        public readonly Dictionary<string, string> Rules = new(StringComparer.Ordinal)
        {
            ["ws"] = "\" \"?",
            ["char"] = "[^\"\\\\\\x7F\\x00-\\x1F] | \"\\\\\" ([\"\\\\/bfnrt] | \"u\" [0-9a-fA-F]{4})",
            ["string"] = $"\"\\\"\" char{{0,{MaxStringLength}}} \"\\\"\"",
            ["integer"] = "\"-\"? ([0-9] | [1-9] [0-9]{1,15})",
            ["number"] = "\"-\"? ([0-9] | [1-9] [0-9]{1,15}) (\".\" [0-9]{1,8})? ([eE] [-+]? [0-9]{1,3})?",
            ["boolean"] = "\"true\" | \"false\"",
            ["null"] = "\"null\"",
            ["value"] = "object | array | string | number | boolean | null",
            ["object"] = $"\"{{\" ws ( string ws \":\" ws value (\",\" ws string ws \":\" ws value){{0,{MaxArrayItems - 1}}} )? ws \"}}\"",
            ["array"] = $"\"[\" ws ( value (\",\" ws value){{0,{MaxArrayItems - 1}}} )? ws \"]\"",
        };

        public override string ToString()
        {
            var sb = new StringBuilder();
            foreach (var (name, body) in Rules) sb.Append(name).Append(" ::= ").Append(body).Append('\n');
            return sb.ToString();
        }

        /// <summary>Returns a rule reference (or inline expression) that matches values of <paramref name="schema"/>.</summary>
        public string Value(string name, JsonElement schema, bool forceObject = false)
        {
            if (schema.ValueKind != JsonValueKind.Object) return forceObject ? "object" : "value";
            if (schema.TryGetProperty("enum", out var en) && en.ValueKind == JsonValueKind.Array)
                return Define(name, string.Join(" | ", en.EnumerateArray().Select(v => Lit(v.GetRawText()))));
            if (schema.TryGetProperty("const", out var cn))
                return Define(name, Lit(cn.GetRawText()));
            foreach (var key in new[] { "anyOf", "oneOf" })
                if (schema.TryGetProperty(key, out var alts) && alts.ValueKind == JsonValueKind.Array)
                    return Define(name, string.Join(" | ", alts.EnumerateArray().Select((a, i) => Value($"{name}-{i}", a))));
            if (schema.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.Array)
                return Define(name, string.Join(" | ", type.EnumerateArray().Select(t => TypeRule($"{name}-{t.GetString()}", t.GetString(), schema))));
            var typeName = type.ValueKind == JsonValueKind.String ? type.GetString() : schema.TryGetProperty("properties", out _) || forceObject ? "object" : null;
            return TypeRule(name, typeName, schema);
        }

        private string TypeRule(string name, string? type, JsonElement schema)
        {
            switch (type)
            {
                case "string":
                    var min = schema.TryGetProperty("minLength", out var mn) && mn.TryGetInt32(out var a) ? Math.Max(0, a) : 0;
                    var max = schema.TryGetProperty("maxLength", out var mx) && mx.TryGetInt32(out var b) ? b : MaxStringLength;
                    // llama.cpp rejects repetitions above 2000 (and a rejected grammar crashes the sampler).
                    min = Math.Min(min, RepetitionLimit);
                    max = Math.Min(Math.Max(min, max), RepetitionLimit);
                    if (min == 0 && max == MaxStringLength) return "string";
                    return Define(name, $"\"\\\"\" char{{{min},{max}}} \"\\\"\"");
                case "integer": return "integer";
                case "number": return "number";
                case "boolean": return "boolean";
                case "null": return "null";
                case "array":
                    var item = schema.TryGetProperty("items", out var items) ? Value($"{name}-item", items) : "value";
                    var minItems = schema.TryGetProperty("minItems", out var mi) && mi.TryGetInt32(out var c) ? Math.Max(0, c) : 0;
                    var maxItems = schema.TryGetProperty("maxItems", out var ma) && ma.TryGetInt32(out var d) ? d : MaxArrayItems;
                    minItems = Math.Min(minItems, MaxArrayItems);
                    maxItems = Math.Min(Math.Max(Math.Max(1, minItems), maxItems), MaxArrayItems);
                    var body = $"{item} (\",\" ws {item}){{{Math.Max(0, minItems - 1)},{maxItems - 1}}}";
                    return Define(name, minItems == 0 ? $"\"[\" ws ({body})? ws \"]\"" : $"\"[\" ws {body} ws \"]\"");
                case "object":
                    if (!schema.TryGetProperty("properties", out var props) || props.ValueKind != JsonValueKind.Object)
                        return "object";
                    var required = schema.TryGetProperty("required", out var req) && req.ValueKind == JsonValueKind.Array
                        ? req.EnumerateArray().Select(r => r.GetString()).OfType<string>().ToHashSet(StringComparer.Ordinal)
                        : [];
                    var members = props.EnumerateObject().ToList();
                    var pairs = members.Select((p, i) => (p.Name, Rule: $"{Lit(JsonString(p.Name))} ws \":\" ws {Value($"{name}-{Sanitize(p.Name)}", p.Value)}")).ToList();
                    // Required members first, in schema order, then optional ones, each optional one skippable.
                    var req1 = pairs.Where(p => required.Contains(p.Name)).ToList();
                    var opt = pairs.Where(p => !required.Contains(p.Name)).ToList();
                    string inner;
                    if (req1.Count > 0)
                    {
                        inner = string.Join(" \",\" ws ", req1.Select(p => p.Rule)) + string.Concat(opt.Select(p => $" (\",\" ws {p.Rule})?"));
                        return Define(name, $"\"{{\" ws {inner} ws \"}}\"");
                    }
                    if (opt.Count == 0) return Define(name, "\"{\" ws \"}\"");
                    var alts = new List<string>();
                    for (var i = 0; i < opt.Count; i++)
                        alts.Add(opt[i].Rule + string.Concat(opt.Skip(i + 1).Select(p => $" (\",\" ws {p.Rule})?")));
                    return Define(name, $"\"{{\" ws ({string.Join(" | ", alts.Select(x => $"({x})"))})? ws \"}}\"");
                default:
                    return "value";
            }
        }

        private string Define(string name, string body)
        {
            var rule = Sanitize(name);
            Rules[rule] = body;
            return rule;
        }

        private static string Sanitize(string name)
        {
            var sb = new StringBuilder();
            foreach (var ch in name) sb.Append(char.IsAsciiLetterOrDigit(ch) || ch == '-' ? ch : '-');
            return sb.ToString().ToLower(CultureInfo.InvariantCulture);
        }
    }
}
