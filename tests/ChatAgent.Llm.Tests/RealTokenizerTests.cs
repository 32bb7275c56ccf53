using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatAgent.Llm.Chat;
using ChatAgent.Llm.Gguf;
using ChatAgent.Llm.Hosting;
using ChatAgent.Testing;
using LLama;
using LLama.Common;
using Microsoft.Extensions.AI;

namespace ChatAgent.Llm.Tests;

/// <summary>
/// Generated models carrying a real Hugging Face tokenizer: llama.cpp must tokenize as the real model does, checked
/// against known ids and against an independent byte-level BPE written here from tokenizer.json's own pattern and merges.
/// </summary>
public class RealTokenizerTests
{
    private const string Sample =
        "Hello world! I'm looking for order #W1234567 — it was $129.99 and shipped on 2024-05-03.\n\n" +
        "  Can you  check it?\tThanks, café owner (I've waited 12345 days...)\r\nYou're great; we'll see.";

    public static TheoryData<string> Families => ["qwen3", "llama3"];

    private static string TokenizerOf(string family) => family == "qwen3" ? RealTokenizers.Qwen3 : RealTokenizers.Llama3;

    [Theory]
    [MemberData(nameof(Families))]
    public void Llama_cpp_tokenizes_like_the_real_model_on_a_generated_gguf(string family)
    {
        var tokenizer = TokenizerOf(family);
        using var weights = LLamaWeights.LoadFromFile(new ModelParams(TestModels.TinyWithTokenizer(tokenizer)) { GpuLayerCount = 0 });

        int[] Ids(string text) => [.. weights.Tokenize(text, add_bos: false, special: true, Encoding.UTF8).Select(t => (int)t)];

        // Published ids: Qwen2/3 "Hello" 9707, " world" 1879; Llama 3 "Hello" 9906, " world" 1917.
        Assert.Equal(family == "qwen3" ? [9707, 1879] : [9906, 1917], Ids("Hello world"));
        var reference = new ReferenceBpe(tokenizer);
        Assert.Equal(reference.Encode(Sample), Ids(Sample));
        var system = File.ReadAllText(Path.Combine(RepositoryRoot(), "prompts", "system.txt"));
        Assert.Equal(reference.Encode(system), Ids(system));
        Assert.Equal(reference.Vocab.Count + reference.Added.Count, weights.Vocab.Count);

        if (family == "qwen3")
        {
            var ids = Ids("<|im_start|>user\nhi<|im_end|>\n<tool_call>\n{}\n</tool_call>");
            Assert.Equal(151644, ids[0]);
            Assert.Contains(151645, ids);
            // <tool_call> is one user-defined token, as in the real model, not seven pieces of text.
            Assert.Contains(151657, ids);
            Assert.Contains(151658, ids);
        }
        else
        {
            var ids = Ids("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>");
            Assert.Equal([128000, 128006], ids[..2]);
            Assert.Equal(128009, ids[^1]);
        }
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void The_model_carries_the_familys_chat_template_and_is_rendered_in_that_format(string family)
    {
        var tokenizer = TokenizerOf(family);
        var info = GgufInspector.Inspect(TestModels.TinyWithTokenizer(tokenizer));
        var hf = HuggingFaceTokenizer.Load(tokenizer);
        Assert.Equal(hf.ChatTemplate, info.ChatTemplate);
        Assert.Equal(family == "qwen3" ? ChatFamily.ChatMl : ChatFamily.Llama3, ChatFormat.Detect(info.ChatTemplate, null).Family);
        Assert.Equal(family == "qwen3" ? "qwen2" : "llama-bpe", hf.Pre);
        Assert.Equal(family == "qwen3" ? 151645 : 128009, hf.EotId);
    }

    [Fact]
    public async Task A_qwen3_architecture_body_with_the_real_vocabulary_answers_through_the_chat_client()
    {
        var path = TestModels.TinyWithTokenizer(RealTokenizers.Qwen3, "qwen3");
        var options = TestModels.Options();
        options.Path = path;
        using var model = LocalModel.Load(options);
        Assert.Equal("qwen3", model.Info.Architecture);
        Assert.Equal(ChatFamily.ChatMl, model.ChatClient.Family);
        var response = await model.ChatClient.GetResponseAsync(
            [new ChatMessage(ChatRole.System, "You are a shop assistant."), new ChatMessage(ChatRole.User, "Where is my order?")],
            new ChatOptions { MaxOutputTokens = 8, Temperature = 0 });
        // "<|im_start|>system\nYou are a shop assistant.<|im_end|>\n<|im_start|>user\nWhere is my order?<|im_end|>\n<|im_start|>assistant\n"
        // is 25 tokens with Qwen's tokenizer (a byte vocabulary would need over 100).
        Assert.InRange(response.Usage!.InputTokenCount!.Value, 20, 30);
        Assert.InRange(response.Usage.OutputTokenCount!.Value, 1, 8);
    }

    [Fact]
    public void A_shaped_preset_without_its_tokenizer_is_refused_with_the_option_to_use()
    {
        var e = Assert.Throws<ArgumentException>(() => TestModelFactory.Create(Path.Combine(TestModels.TempDir(), "x.gguf"), TestModelPreset.Qwen3_06B));
        Assert.Contains("--tokenizer", e.Message);
    }

    [Fact]
    public void The_cli_writes_a_model_with_the_given_tokenizer_and_names_the_problem_with_a_wrong_file()
    {
        var dir = TestModels.TempDir();
        var path = Path.Combine(dir, "cli.gguf");
        var root = new System.CommandLine.RootCommand { Cli.MakeTestModelCommand.Create() };
        var error = new StringWriter();
        var config = new System.CommandLine.InvocationConfiguration { Output = new StringWriter(), Error = error };

        Assert.Equal(0, root.Parse(["make-test-model", "--out", path, "--preset", "tiny", "--tokenizer", RealTokenizers.Llama3]).Invoke(config));
        Assert.Equal(ChatFamily.Llama3, ChatFormat.Detect(GgufInspector.Inspect(path).ChatTemplate, null).Family);

        var notJson = Path.Combine(dir, "tokenizer.json");
        File.WriteAllText(notJson, "vocab");
        Assert.Equal(1, root.Parse(["make-test-model", "--out", path, "--preset", "tiny", "--tokenizer", notJson]).Invoke(config));
        Assert.Equal(1, root.Parse(["make-test-model", "--out", path, "--preset", "llama3.2-1b"]).Invoke(config));
        Assert.Contains("is not a tokenizer.json", error.ToString());
        Assert.Contains("needs its tokenizer.json (--tokenizer FILE).\n", error.ToString().Replace("\r", "", StringComparison.Ordinal));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ChatAgent.sln"))) return dir.FullName;
        throw new InvalidOperationException("ChatAgent.sln not found.");
    }

    /// <summary>
    /// Byte-level BPE as Hugging Face's tokenizers run it: split by the pre-tokenizer's regex, bytes to GPT-2's printable
    /// characters, merges applied lowest rank first (the whole piece taken directly where <c>ignore_merges</c> says so),
    /// added tokens matched whole first.
    /// </summary>
    private sealed class ReferenceBpe
    {
        private readonly Regex _split;
        private readonly Dictionary<(string, string), int> _ranks = [];
        private readonly bool _ignoreMerges;
        private readonly string[] _byteChars = ByteChars();

        public ReferenceBpe(string path)
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var model = doc.RootElement.GetProperty("model");
            foreach (var p in model.GetProperty("vocab").EnumerateObject()) Vocab[p.Name] = p.Value.GetInt32();
            var rank = 0;
            foreach (var m in model.GetProperty("merges").EnumerateArray())
            {
                var parts = m.ValueKind == JsonValueKind.Array ? [m[0].GetString()!, m[1].GetString()!] : m.GetString()!.Split(' ', 2);
                _ranks.TryAdd((parts[0], parts[1]), rank++);
            }
            _ignoreMerges = model.TryGetProperty("ignore_merges", out var im) && im.ValueKind == JsonValueKind.True;
            foreach (var a in doc.RootElement.GetProperty("added_tokens").EnumerateArray()) Added[a.GetProperty("content").GetString()!] = a.GetProperty("id").GetInt32();
            var pattern = FindPattern(doc.RootElement.GetProperty("pre_tokenizer"))!;
            _split = new Regex(pattern, RegexOptions.CultureInvariant);
        }

        public Dictionary<string, int> Vocab { get; } = [];

        public Dictionary<string, int> Added { get; } = [];

        public int[] Encode(string text)
        {
            var ids = new List<int>();
            foreach (Match piece in _split.Matches(text.Normalize(NormalizationForm.FormC)))
            {
                var chars = string.Concat(Encoding.UTF8.GetBytes(piece.Value).Select(b => _byteChars[b]));
                if (_ignoreMerges && Vocab.TryGetValue(chars, out var whole))
                {
                    ids.Add(whole);
                    continue;
                }
                var symbols = chars.EnumerateRunes().Select(r => r.ToString()).ToList();
                while (symbols.Count > 1)
                {
                    var best = -1;
                    var bestRank = int.MaxValue;
                    for (var i = 0; i + 1 < symbols.Count; i++)
                    {
                        if (_ranks.TryGetValue((symbols[i], symbols[i + 1]), out var r) && r < bestRank)
                        {
                            bestRank = r;
                            best = i;
                        }
                    }
                    if (best < 0) break;
                    symbols[best] += symbols[best + 1];
                    symbols.RemoveAt(best + 1);
                }
                ids.AddRange(symbols.Select(s => Vocab[s]));
            }
            return [.. ids];
        }

        private static string? FindPattern(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Object when e.TryGetProperty("type", out var t) && t.GetString() == "Split" => e.GetProperty("pattern").GetProperty("Regex").GetString(),
            JsonValueKind.Object => e.EnumerateObject().Select(p => FindPattern(p.Value)).FirstOrDefault(x => x is not null),
            JsonValueKind.Array => e.EnumerateArray().Select(FindPattern).FirstOrDefault(x => x is not null),
            _ => null,
        };

        /// <summary>GPT-2's reversible map from bytes to printable characters.</summary>
        private static string[] ByteChars()
        {
            var map = new string[256];
            var n = 0;
            for (var b = 0; b < 256; b++)
            {
                var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
                map[b] = ((char)(printable ? b : 256 + n++)).ToString();
            }
            return map;
        }
    }
}
