using System.Text.Json;

namespace ChatAgent.Llm.Gguf;

/// <summary>
/// A Hugging Face byte-level BPE tokenizer (<c>tokenizer.json</c>, with <c>tokenizer_config.json</c> beside it for the
/// special tokens and the chat template), in the shape llama.cpp's GGUF "gpt2" tokenizer stores it. Written into a
/// generated test model, llama.cpp then tokenizes exactly as it does for the real model of that family.
/// </summary>
public sealed class HuggingFaceTokenizer
{
    // llama_token_type in llama.cpp's vocabulary.
    private const int Normal = 1, Control = 3, UserDefined = 4, Unused = 5;

    private HuggingFaceTokenizer(string path, string pre, string[] tokens, int[] types, string[] merges, string? chatTemplate,
        int? bos, int? eos, int? eot, int? pad, bool addBos)
    {
        SourcePath = path;
        Pre = pre;
        Tokens = tokens;
        TokenTypes = types;
        Merges = merges;
        ChatTemplate = chatTemplate;
        BosId = bos;
        EosId = eos;
        EotId = eot;
        PadId = pad;
        AddBos = addBos;
    }

    /// <summary>The tokenizer.json this was read from.</summary>
    public string SourcePath { get; }

    /// <summary>llama.cpp's pre-tokenizer name (<c>tokenizer.ggml.pre</c>): <c>qwen2</c> or <c>llama-bpe</c>.</summary>
    public string Pre { get; }

    /// <summary>Token texts by id (byte-level pieces, added tokens at their ids).</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>llama.cpp token types by id (normal, control, user-defined).</summary>
    public IReadOnlyList<int> TokenTypes { get; }

    /// <summary>BPE merges, "left right", highest priority first.</summary>
    public IReadOnlyList<string> Merges { get; }

    /// <summary>The family's chat template from tokenizer_config.json, when there is one.</summary>
    public string? ChatTemplate { get; }

    /// <summary>Beginning-of-text token id.</summary>
    public int? BosId { get; }

    /// <summary>End-of-sequence token id (the end of an assistant turn for instruct tokenizers).</summary>
    public int? EosId { get; }

    /// <summary>End-of-turn token id (<c>&lt;|im_end|&gt;</c>, <c>&lt;|eot_id|&gt;</c>).</summary>
    public int? EotId { get; }

    /// <summary>Padding token id.</summary>
    public int? PadId { get; }

    /// <summary>Whether the tokenizer prepends the beginning-of-text token.</summary>
    public bool AddBos { get; }

    /// <summary>Number of token ids (the embedding needs at least this many rows).</summary>
    public int Count => Tokens.Count;

    /// <summary>Reads <paramref name="tokenizerJson"/> and, when present, <c>tokenizer_config.json</c> in the same folder.</summary>
    /// <exception cref="InvalidDataException">Not a byte-level BPE tokenizer.json, or a pre-tokenizer llama.cpp has no name for here.</exception>
    public static HuggingFaceTokenizer Load(string tokenizerJson)
    {
        ArgumentException.ThrowIfNullOrEmpty(tokenizerJson);
        if (!File.Exists(tokenizerJson)) throw new FileNotFoundException($"Tokenizer file '{tokenizerJson}' does not exist.", tokenizerJson);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(tokenizerJson));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{tokenizerJson}' is not a tokenizer.json (not JSON: {e.Message}).", e);
        }
        using var _ = doc;
        var root = doc.RootElement;
        if (!root.TryGetProperty("model", out var model) || !model.TryGetProperty("type", out var type) || type.GetString() != "BPE"
            || !model.TryGetProperty("vocab", out var vocab) || !model.TryGetProperty("merges", out var mergesJson))
            throw new InvalidDataException($"'{tokenizerJson}' is not a Hugging Face BPE tokenizer.json (model.type BPE with vocab and merges).");

        var byId = new Dictionary<int, (string Text, int Type)>();
        foreach (var p in vocab.EnumerateObject()) byId[p.Value.GetInt32()] = (p.Name, Normal);
        if (root.TryGetProperty("added_tokens", out var added))
        {
            foreach (var a in added.EnumerateArray())
            {
                var text = a.GetProperty("content").GetString()!;
                var special = a.TryGetProperty("special", out var s) && s.GetBoolean();
                // As llama.cpp's converter does: special (or special-looking) added tokens are control tokens; the others
                // (Qwen's <tool_call>, <think>) are user-defined, matched whole in any text.
                byId[a.GetProperty("id").GetInt32()] = (text, special || LooksSpecial(text) ? Control : UserDefined);
            }
        }
        var count = byId.Keys.Max() + 1;
        var tokens = new string[count];
        var types = new int[count];
        for (var i = 0; i < count; i++)
        {
            (tokens[i], types[i]) = byId.TryGetValue(i, out var t) ? t : ($"[PAD{i}]", Unused);
        }
        var merges = mergesJson.EnumerateArray()
            .Select(m => m.ValueKind == JsonValueKind.Array ? string.Join(' ', m.EnumerateArray().Select(x => x.GetString())) : m.GetString()!)
            .ToArray();

        var pre = PreTokenizerName(root) ?? throw new InvalidDataException(
            $"'{tokenizerJson}': its pre-tokenizer is neither Qwen2/3's nor Llama 3's; only those are mapped to llama.cpp pre-tokenizers here.");

        var config = new Dictionary<string, JsonElement>();
        var configPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(tokenizerJson))!, "tokenizer_config.json");
        JsonDocument? configDoc = null;
        try
        {
            if (File.Exists(configPath))
            {
                configDoc = JsonDocument.Parse(File.ReadAllBytes(configPath));
                foreach (var p in configDoc.RootElement.EnumerateObject()) config[p.Name] = p.Value;
            }
            int? Id(string? text) => text is not null && Array.IndexOf(tokens, text) is var i and >= 0 ? i : null;
            string? TokenText(string key) => config.TryGetValue(key, out var v)
                ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.ValueKind == JsonValueKind.Object && v.TryGetProperty("content", out var c) ? c.GetString() : null
                : null;
            var bos = Id(TokenText("bos_token"));
            var pad = Id(TokenText("pad_token")) ?? Id("<|endoftext|>");
            var eot = Id("<|im_end|>") ?? Id("<|eot_id|>") ?? Id("<end_of_turn>");
            var eos = Id(TokenText("eos_token")) ?? eot;
            var addBos = config.TryGetValue("add_bos_token", out var ab) && ab.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? ab.GetBoolean() : bos is not null;
            string? template = null;
            if (config.TryGetValue("chat_template", out var ct))
            {
                template = ct.ValueKind == JsonValueKind.String ? ct.GetString()
                    : ct.ValueKind == JsonValueKind.Array
                        ? ct.EnumerateArray().Where(e => e.TryGetProperty("name", out var n) && n.GetString() == "default")
                            .Select(e => e.GetProperty("template").GetString()).FirstOrDefault()
                        : null;
            }
            // Real GGUFs of tokenizers without a BOS (Qwen) still name one: <|endoftext|>.
            return new HuggingFaceTokenizer(Path.GetFullPath(tokenizerJson), pre, tokens, types, merges, template, bos ?? pad, eos, eot, pad, addBos);
        }
        finally
        {
            configDoc?.Dispose();
        }
    }

    private static bool LooksSpecial(string text) =>
        text.StartsWith("<|", StringComparison.Ordinal) && text.EndsWith("|>", StringComparison.Ordinal);

    /// <summary>Maps the pre-tokenizer's split pattern to llama.cpp's name for it (as its converter does by hashing).</summary>
    private static string? PreTokenizerName(JsonElement root)
    {
        var pattern = FindRegex(root.TryGetProperty("pre_tokenizer", out var p) ? p : default);
        if (pattern is null) return null;
        if (pattern.Contains("\\p{N}{1,3}", StringComparison.Ordinal)) return "llama-bpe";
        if (pattern.Contains("\\p{L}+|\\p{N}|", StringComparison.Ordinal)) return "qwen2";
        return null;
    }

    private static string? FindRegex(JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                if (e.TryGetProperty("type", out var t) && t.GetString() == "Split" && e.TryGetProperty("pattern", out var pat)
                    && pat.TryGetProperty("Regex", out var regex))
                    return regex.GetString();
                foreach (var prop in e.EnumerateObject())
                    if (FindRegex(prop.Value) is { } found) return found;
                return null;
            case JsonValueKind.Array:
                foreach (var item in e.EnumerateArray())
                    if (FindRegex(item) is { } found) return found;
                return null;
            default:
                return null;
        }
    }
}
