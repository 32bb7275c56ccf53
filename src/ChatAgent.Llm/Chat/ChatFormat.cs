using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ChatAgent.Llm.Chat;

/// <summary>Prompt families the engine renders.</summary>
public enum ChatFamily
{
    /// <summary>ChatML (Qwen, many fine-tunes): <c>&lt;|im_start|&gt;role</c>.</summary>
    ChatMl,
    /// <summary>Llama 3.x: <c>&lt;|start_header_id|&gt;role&lt;|end_header_id|&gt;</c>.</summary>
    Llama3,
    /// <summary>Mistral instruct: <c>[INST] … [/INST]</c>.</summary>
    Mistral,
    /// <summary>Phi-3: <c>&lt;|user|&gt;</c>, <c>&lt;|end|&gt;</c>.</summary>
    Phi3,
    /// <summary>Gemma: <c>&lt;start_of_turn&gt;user</c>.</summary>
    Gemma,
}

/// <summary>How tool calls are written in the model's output.</summary>
internal enum ToolCallFormat
{
    /// <summary>Hermes/Qwen: <c>&lt;tool_call&gt;{"name":…,"arguments":…}&lt;/tool_call&gt;</c>; also the generic format.</summary>
    Hermes,
    /// <summary>Llama 3.1 JSON tool calling: <c>{"name":…,"parameters":…}</c>.</summary>
    Llama3Json,
    /// <summary>Mistral: <c>[TOOL_CALLS][{"name":…,"arguments":…}]</c>.</summary>
    Mistral,
}

/// <summary>
/// Renders a conversation (with tools and tool results) in a model family's own prompt format. Hand-written
/// rather than LLamaSharp's <c>LLamaTemplate</c> because llama.cpp's template engine cannot render tools or tool results.
/// </summary>
internal sealed class ChatFormat
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    private ChatFormat(ChatFamily family, bool nativeTools)
    {
        Family = family;
        NativeTools = nativeTools;
        ToolFormat = family switch
        {
            ChatFamily.Llama3 => ToolCallFormat.Llama3Json,
            ChatFamily.Mistral => ToolCallFormat.Mistral,
            _ => ToolCallFormat.Hermes,
        };
    }

    public ChatFamily Family { get; }

    public ToolCallFormat ToolFormat { get; }

    /// <summary>
    /// Tools are listed as one-line signatures (<c>name(arg: type "what it is", opt?: type): description</c>) instead of
    /// full JSON schemas: about a third of the tokens; the grammar still enforces every schema exactly.
    /// </summary>
    public bool CompactTools { get; private init; }

    /// <summary>This format with tools listed compactly or as JSON schemas.</summary>
    public ChatFormat WithCompactTools(bool compact) => new(Family, NativeTools) { CompactTools = compact };

    /// <summary>False where the family has no tool format of its own and the generic (Hermes-tag) one is described in words.</summary>
    public bool NativeTools { get; }

    /// <summary>Text every tool-call answer starts with.</summary>
    public string CallPrefix => ToolFormat switch
    {
        ToolCallFormat.Hermes => "<tool_call>",
        ToolCallFormat.Llama3Json => "{\"name\"",
        _ => "[TOOL_CALLS]",
    };

    /// <summary>End-of-turn texts, as a guard where the model writes them as plain text.</summary>
    public IReadOnlyList<string> EndOfTurn => Family switch
    {
        ChatFamily.ChatMl => ["<|im_end|>"],
        ChatFamily.Llama3 => ["<|eot_id|>", "<|eom_id|>"],
        ChatFamily.Mistral => ["</s>"],
        ChatFamily.Phi3 => ["<|end|>"],
        _ => ["<end_of_turn>"],
    };

    public static ChatFormat For(ChatFamily family) => new(family, family is ChatFamily.ChatMl or ChatFamily.Llama3 or ChatFamily.Mistral);

    /// <summary>Picks the family from the override name, else from the GGUF's <c>tokenizer.chat_template</c>; ChatML when unknown.</summary>
    public static ChatFormat Detect(string? chatTemplate, string? overrideName)
    {
        if (!string.IsNullOrWhiteSpace(overrideName))
            return For(overrideName.Trim().ToLowerInvariant() switch
            {
                "chatml" => ChatFamily.ChatMl,
                "llama3" => ChatFamily.Llama3,
                "mistral" => ChatFamily.Mistral,
                "phi3" => ChatFamily.Phi3,
                "gemma" => ChatFamily.Gemma,
                _ => throw new ArgumentException($"Unknown chat template '{overrideName}' (chatml, llama3, mistral, phi3, gemma)."),
            });
        var t = chatTemplate ?? "";
        if (t.Contains("<|im_start|>", StringComparison.Ordinal)) return For(ChatFamily.ChatMl);
        if (t.Contains("<|start_header_id|>", StringComparison.Ordinal)) return For(ChatFamily.Llama3);
        if (t.Contains("<start_of_turn>", StringComparison.Ordinal)) return For(ChatFamily.Gemma);
        if (t.Contains("<|assistant|>", StringComparison.Ordinal) && t.Contains("<|end|>", StringComparison.Ordinal)) return For(ChatFamily.Phi3);
        if (t.Contains("[INST]", StringComparison.Ordinal)) return For(ChatFamily.Mistral);
        return For(ChatFamily.ChatMl);
    }

    /// <summary>Renders the whole conversation, ending with the assistant's turn opened.</summary>
    public string Render(IEnumerable<ChatMessage> messages, IReadOnlyList<AIFunctionDeclaration> tools)
    {
        var list = messages.ToList();
        var system = string.Join("\n\n", list.Where(m => m.Role == ChatRole.System).Select(m => m.Text).Where(t => t.Length > 0));
        var toolText = tools.Count == 0 ? "" : ToolInstructions(tools);
        var callNames = list.SelectMany(m => m.Contents.OfType<FunctionCallContent>()).GroupBy(c => c.CallId).ToDictionary(g => g.Key, g => g.First().Name);
        var turns = list.Where(m => m.Role != ChatRole.System).Select(m => (Role: RoleOf(m), Text: Body(m, callNames))).ToList();
        var sb = new StringBuilder();
        switch (Family)
        {
            case ChatFamily.ChatMl:
                var sys = Join(system, toolText);
                if (sys.Length > 0) sb.Append("<|im_start|>system\n").Append(sys).Append("<|im_end|>\n");
                foreach (var (role, text) in turns)
                    sb.Append("<|im_start|>").Append(role == "tool" ? "user" : role).Append('\n').Append(text).Append("<|im_end|>\n");
                sb.Append("<|im_start|>assistant\n");
                break;
            case ChatFamily.Llama3:
                sb.Append("<|begin_of_text|>");
                var lsys = Join(system, toolText);
                if (lsys.Length > 0) sb.Append("<|start_header_id|>system<|end_header_id|>\n\n").Append(lsys).Append("<|eot_id|>");
                foreach (var (role, text) in turns)
                    sb.Append("<|start_header_id|>").Append(role == "tool" ? "ipython" : role).Append("<|end_header_id|>\n\n").Append(text).Append("<|eot_id|>");
                sb.Append("<|start_header_id|>assistant<|end_header_id|>\n\n");
                break;
            case ChatFamily.Mistral:
                sb.Append("<s>");
                if (toolText.Length > 0) sb.Append(toolText);
                var first = true;
                foreach (var (role, text) in turns)
                {
                    if (role == "assistant") sb.Append(text).Append("</s>");
                    else if (role == "tool") sb.Append("[TOOL_RESULTS] ").Append(text).Append("[/TOOL_RESULTS]");
                    else
                    {
                        sb.Append("[INST] ").Append(first && system.Length > 0 ? system + "\n\n" : "").Append(text).Append(" [/INST]");
                        first = false;
                    }
                }
                break;
            case ChatFamily.Phi3:
                var psys = Join(system, toolText);
                if (psys.Length > 0) sb.Append("<|system|>\n").Append(psys).Append("<|end|>\n");
                foreach (var (role, text) in turns)
                    sb.Append("<|").Append(role == "tool" ? "user" : role).Append("|>\n").Append(text).Append("<|end|>\n");
                sb.Append("<|assistant|>\n");
                break;
            default:
                // Gemma has no system role: the system text opens the first user turn.
                sb.Append("<bos>");
                var pending = Join(system, toolText);
                foreach (var (role, text) in turns)
                {
                    var gemmaRole = role == "assistant" ? "model" : "user";
                    var body = gemmaRole == "user" && pending.Length > 0 ? pending + "\n\n" + text : text;
                    if (gemmaRole == "user") pending = "";
                    sb.Append("<start_of_turn>").Append(gemmaRole).Append('\n').Append(body).Append("<end_of_turn>\n");
                }
                sb.Append("<start_of_turn>model\n");
                break;
        }
        return sb.ToString();
    }

    /// <summary>Writes calls the way this format expects the model to write them (used for history and by tests).</summary>
    public string RenderCalls(IEnumerable<FunctionCallContent> calls)
    {
        var list = calls.ToList();
        switch (ToolFormat)
        {
            case ToolCallFormat.Hermes:
                return string.Join("\n", list.Select(c => $"<tool_call>\n{{\"name\": \"{c.Name}\", \"arguments\": {Args(c)}}}\n</tool_call>"));
            case ToolCallFormat.Llama3Json:
                return string.Join("\n", list.Select(c => $"{{\"name\": \"{c.Name}\", \"parameters\": {Args(c)}}}"));
            default:
                return "[TOOL_CALLS] [" + string.Join(", ", list.Select(c => $"{{\"name\": \"{c.Name}\", \"arguments\": {Args(c)}}}")) + "]";
        }
    }

    private static string Args(FunctionCallContent c) => JsonSerializer.Serialize(c.Arguments ?? new Dictionary<string, object?>(), Compact);

    private string Body(ChatMessage m, Dictionary<string, string> callNames)
    {
        var parts = new List<string>();
        var text = string.Concat(m.Contents.OfType<TextContent>().Select(t => t.Text));
        if (text.Length > 0) parts.Add(text);
        var calls = m.Contents.OfType<FunctionCallContent>().ToList();
        if (calls.Count > 0) parts.Add(RenderCalls(calls));
        foreach (var r in m.Contents.OfType<FunctionResultContent>())
        {
            var result = r.Result switch
            {
                null => "null",
                string s => s,
                JsonElement e => e.GetRawText(),
                var o => JsonSerializer.Serialize(o, Compact),
            };
            var name = callNames.GetValueOrDefault(r.CallId, "");
            parts.Add(ToolFormat switch
            {
                ToolCallFormat.Hermes => $"<tool_response>\n{result}\n</tool_response>",
                ToolCallFormat.Mistral => JsonSerializer.Serialize(new { name, content = result }, Compact),
                _ => result,
            });
        }
        return string.Join("\n", parts);
    }

    private static string RoleOf(ChatMessage m) =>
        m.Role == ChatRole.Assistant ? "assistant" : m.Role == ChatRole.Tool ? "tool" : "user";

    private static string Join(string a, string b) => a.Length == 0 ? b : b.Length == 0 ? a : a + "\n\n" + b;

    /// <summary>The text that describes <paramref name="tools"/> in the prompt (empty without tools).</summary>
    public string ToolInstructions(IReadOnlyList<AIFunctionDeclaration> tools)
    {
        if (tools.Count == 0) return "";
        var specs = tools.Select(t => CompactTools ? Signature(t) : JsonSerializer.Serialize(new
        {
            type = "function",
            function = new { name = t.Name, description = t.Description, parameters = t.JsonSchema },
        }, Compact)).ToList();
        switch (ToolFormat)
        {
            case ToolCallFormat.Llama3Json when CompactTools:
                return "Environment: ipython\n\nYou can call these functions:\n" + string.Join("\n", specs) + "\n\n" +
                       "To call one, respond with JSON only: {\"name\": function name, \"parameters\": {argument: value}}.";
            case ToolCallFormat.Llama3Json:
                return "Environment: ipython\n\nGiven the following functions, please respond with a JSON for a function call with its proper arguments that best answers the given prompt.\n\n" +
                       "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}. Do not use variables.\n\n" +
                       string.Join("\n\n", specs);
            case ToolCallFormat.Mistral when CompactTools:
                return "[AVAILABLE_TOOLS] " + string.Join("\n", specs) + "[/AVAILABLE_TOOLS]";
            case ToolCallFormat.Mistral:
                return "[AVAILABLE_TOOLS] [" + string.Join(", ", specs) + "][/AVAILABLE_TOOLS]";
            default:
                if (CompactTools)
                    return "# Tools\n\nYou may call one or more functions to assist with the user query. Function signatures:\n<tools>\n" + string.Join("\n", specs) + "\n</tools>\n\n" +
                           "To call a function, return <tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call>";
                var lead = NativeTools
                    ? "# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:"
                    : "You can call functions to answer the user. The functions are listed as JSON within <tools></tools> tags:";
                return lead + "\n<tools>\n" + string.Join("\n", specs) + "\n</tools>\n\n" +
                       "For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n" +
                       "<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call>";
        }
    }

    /// <summary>One line per tool: <c>name(arg: type "description", opt?: type): description</c>.</summary>
    internal static string Signature(AIFunctionDeclaration tool)
    {
        var schema = tool.JsonSchema;
        var args = new List<string>();
        if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out var props) && props.ValueKind == JsonValueKind.Object)
        {
            var required = schema.TryGetProperty("required", out var req) && req.ValueKind == JsonValueKind.Array
                ? req.EnumerateArray().Select(r => r.GetString()).ToHashSet(StringComparer.Ordinal)
                : [];
            foreach (var p in props.EnumerateObject())
            {
                var arg = new StringBuilder(p.Name).Append(required.Contains(p.Name) ? ": " : "?: ").Append(TypeName(p.Value));
                // A description that only repeats the argument's name ("City" for city) adds tokens, not meaning.
                if (p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("description", out var d) && d.GetString() is { Length: > 0 } desc
                    && !string.Equals(desc.Replace(" ", "_", StringComparison.Ordinal), p.Name, StringComparison.OrdinalIgnoreCase))
                    arg.Append(' ').Append(JsonSerializer.Serialize(desc, Compact));
                args.Add(arg.ToString());
            }
        }
        var line = $"{tool.Name}({string.Join(", ", args)})";
        return string.IsNullOrWhiteSpace(tool.Description) ? line : $"{line}: {tool.Description.Trim()}";
    }

    private static string TypeName(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object) return "any";
        if (schema.TryGetProperty("enum", out var e) && e.ValueKind == JsonValueKind.Array)
            return string.Join("|", e.EnumerateArray().Select(v => v.GetRawText()));
        if (!schema.TryGetProperty("type", out var type)) return "any";
        var names = type.ValueKind == JsonValueKind.Array
            ? type.EnumerateArray().Select(t => t.GetString()).Where(t => t != "null").ToList()
            : [type.GetString()];
        var name = names.Count == 1 ? names[0] : string.Join("|", names);
        return name == "array" && schema.TryGetProperty("items", out var items) ? TypeName(items) + "[]" : name ?? "any";
    }
}
