using LLama;
using LLama.Native;

namespace ChatAgent.Llm.Gguf;

/// <summary>Shape of a generated random-weight llama-architecture model.</summary>
/// <param name="Name">Preset name used on the command line.</param>
/// <param name="Embedding">Hidden width.</param>
/// <param name="Layers">Transformer blocks.</param>
/// <param name="Heads">Attention heads.</param>
/// <param name="KvHeads">Key/value heads (grouped-query attention).</param>
/// <param name="FeedForward">Feed-forward width.</param>
/// <param name="VocabSize">Vocabulary size; tokens beyond the byte vocabulary are inert fillers.</param>
/// <param name="ContextLength">Training context written to the metadata.</param>
/// <param name="F16">Store weights as F16 (otherwise F32).</param>
/// <param name="Architecture">llama.cpp architecture: <c>llama</c>, or <c>qwen3</c> (adds the per-head query/key norms).</param>
/// <param name="HeadDim">Width of one attention head; 0 = <paramref name="Embedding"/> / <paramref name="Heads"/>.</param>
/// <param name="RopeBase">RoPE frequency base.</param>
/// <param name="Tokenizer">The tokenizer family the preset is shaped for (<c>qwen3</c>, <c>llama3</c>); such a preset needs
/// that family's tokenizer.json (<c>--tokenizer</c>). Null: the byte vocabulary.</param>
public sealed record TestModelPreset(
    string Name, int Embedding, int Layers, int Heads, int KvHeads, int FeedForward, int VocabSize, uint ContextLength, bool F16,
    string Architecture = "llama", int HeadDim = 0, float RopeBase = 1_000_000f, string? Tokenizer = null)
{
    /// <summary>Width of one attention head.</summary>
    public int HeadWidth => HeadDim > 0 ? HeadDim : Embedding / Heads;

    /// <summary>64 wide, 2 layers: loads in milliseconds, generates ~1,000 tokens/s on 2 cores. For tests.</summary>
    public static TestModelPreset Tiny { get; } = new("tiny", 64, 2, 4, 2, 128, TestModelFactory.ByteVocabSize, 8192, F16: false);

    /// <summary>256 wide, 4 layers.</summary>
    public static TestModelPreset Small { get; } = new("small", 256, 4, 8, 4, 768, TestModelFactory.ByteVocabSize, 8192, F16: true);

    /// <summary>Qwen2.5-0.5B's shape (896 wide, 24 layers, 14/2 heads, 4864 FFN, 151,936 tokens, tied embeddings). For benchmarks.</summary>
    public static TestModelPreset Qwen05B { get; } = new("qwen05b", 896, 24, 14, 2, 4864, 151_936, 32768, F16: true);

    /// <summary>
    /// Qwen3-0.6B's shape (qwen3 architecture, 1024 wide, 28 layers, 16/8 heads of 128, 3072 FFN, 151,936 tokens, tied
    /// embeddings, 40,960 trained context). Needs Qwen3's tokenizer.json.
    /// </summary>
    public static TestModelPreset Qwen3_06B { get; } = new("qwen3-0.6b", 1024, 28, 16, 8, 3072, 151_936, 40960, F16: true,
        Architecture: "qwen3", HeadDim: 128, Tokenizer: "qwen3");

    /// <summary>
    /// Llama-3.2-1B's shape (2048 wide, 16 layers, 32/8 heads, 8192 FFN, 128,256 tokens, tied embeddings, 131,072 trained
    /// context). Needs Llama 3's tokenizer.json.
    /// </summary>
    public static TestModelPreset Llama32_1B { get; } = new("llama3.2-1b", 2048, 16, 32, 8, 8192, 128_256, 131_072, F16: true,
        RopeBase: 500_000f, Tokenizer: "llama3");

    /// <summary>All presets by name.</summary>
    public static IReadOnlyList<TestModelPreset> All { get; } = [Tiny, Small, Qwen05B, Qwen3_06B, Llama32_1B];
}

/// <summary>
/// Generates random-weight GGUF models, because no model weights can be downloaded here: with a byte-level vocabulary
/// and a ChatML chat template, or with a real Hugging Face tokenizer (<see cref="HuggingFaceTokenizer"/>) and its
/// family's chat template, so that llama.cpp tokenizes prompts exactly as for the real model. Their output is
/// gibberish: tests assert on structure, never on wording.
/// </summary>
public static class TestModelFactory
{
    internal const int ByteVocabSize = 262;

    /// <summary>ChatML template (Qwen style) stored as <c>tokenizer.chat_template</c>.</summary>
    public const string ChatMlTemplate =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /// <summary>Writes a model of the given preset to <paramref name="path"/>; optionally quantized to Q4_0 in-process.</summary>
    /// <param name="path">Destination file.</param>
    /// <param name="preset">Model shape.</param>
    /// <param name="quantizeQ4_0">Quantize to Q4_0 with llama.cpp's quantizer (loads the native library).</param>
    /// <param name="seed">Seed of the random weights; the same seed writes the same file.</param>
    /// <param name="omitTensor">Leave out one tensor (to produce a broken file for tests).</param>
    /// <param name="tokenizer">A real tokenizer written into the model instead of the byte vocabulary; the vocabulary
    /// is the larger of the preset's and the tokenizer's (padded with unused tokens).</param>
    /// <exception cref="ArgumentException">The preset is shaped for a real tokenizer and none was given.</exception>
    public static void Create(string path, TestModelPreset preset, bool quantizeQ4_0 = false, int seed = 1234, string? omitTensor = null,
        HuggingFaceTokenizer? tokenizer = null)
    {
        ArgumentNullException.ThrowIfNull(preset);
        if (preset.Tokenizer is not null && tokenizer is null)
            throw new ArgumentException($"Preset {preset.Name} is shaped like a {preset.Tokenizer} model and needs its tokenizer.json (--tokenizer FILE).", nameof(tokenizer));
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        if (!quantizeQ4_0)
        {
            BuildWriter(preset, seed, omitTensor, tokenizer).Write(path);
            return;
        }
        var temp = path + ".f16.tmp";
        try
        {
            BuildWriter(preset with { F16 = true }, seed, omitTensor, tokenizer).Write(temp);
            // The quantizer's parameter call bypasses LLamaSharp's library resolver; touching NativeApi installs it.
            NativeApi.llama_empty_call();
            if (!LLamaQuantizer.Quantize(temp, path, LLamaFtype.MOSTLY_Q4_0, Math.Max(1, Environment.ProcessorCount)))
                throw new InvalidOperationException($"llama.cpp could not quantize '{temp}' to Q4_0.");
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static GgufWriter BuildWriter(TestModelPreset p, int seed, string? omitTensor, HuggingFaceTokenizer? tokenizer)
    {
        var headDim = p.HeadWidth;
        var arch = p.Architecture;
        // A byte-vocabulary preset (tiny, small) takes the tokenizer's size; a shaped one keeps its padded size.
        var vocabSize = tokenizer is null ? p.VocabSize : p.VocabSize == ByteVocabSize ? tokenizer.Count : Math.Max(p.VocabSize, tokenizer.Count);
        var w = new GgufWriter()
            .Add("general.architecture", arch)
            .Add("general.name", $"chatagent-test-{p.Name}")
            .Add($"{arch}.context_length", p.ContextLength)
            .Add($"{arch}.embedding_length", (uint)p.Embedding)
            .Add($"{arch}.block_count", (uint)p.Layers)
            .Add($"{arch}.feed_forward_length", (uint)p.FeedForward)
            .Add($"{arch}.attention.head_count", (uint)p.Heads)
            .Add($"{arch}.attention.head_count_kv", (uint)p.KvHeads)
            .Add($"{arch}.attention.key_length", (uint)headDim)
            .Add($"{arch}.attention.value_length", (uint)headDim)
            .Add($"{arch}.rope.dimension_count", (uint)headDim)
            .Add($"{arch}.rope.freq_base", p.RopeBase)
            .Add($"{arch}.attention.layer_norm_rms_epsilon", 1e-6f)
            .Add("general.file_type", p.F16 ? 1u : 0u);
        if (tokenizer is null)
        {
            var (tokens, types, scores) = Vocabulary(vocabSize);
            w.Add("tokenizer.ggml.model", "llama")
                .Add("tokenizer.ggml.tokens", tokens)
                .Add("tokenizer.ggml.scores", scores)
                .Add("tokenizer.ggml.token_type", types)
                .Add("tokenizer.ggml.unknown_token_id", 0u)
                .Add("tokenizer.ggml.bos_token_id", 1u)
                .Add("tokenizer.ggml.eos_token_id", 260u) // <|im_end|>: ChatML's end of turn
                .Add("tokenizer.ggml.padding_token_id", 0u)
                .Add("tokenizer.ggml.add_bos_token", false)
                .Add("tokenizer.ggml.add_space_prefix", false)
                .Add("tokenizer.chat_template", ChatMlTemplate);
        }
        else
        {
            var tokens = new string[vocabSize];
            var types = new int[vocabSize];
            for (var i = 0; i < vocabSize; i++)
            {
                // Unused padding rows, as real models have (Qwen's 151,936-row embedding over 151,669 tokens).
                (tokens[i], types[i]) = i < tokenizer.Count ? (tokenizer.Tokens[i], tokenizer.TokenTypes[i]) : ($"[PAD{i}]", 5);
            }
            w.Add("tokenizer.ggml.model", "gpt2")
                .Add("tokenizer.ggml.pre", tokenizer.Pre)
                .Add("tokenizer.ggml.tokens", tokens)
                .Add("tokenizer.ggml.token_type", types)
                .Add("tokenizer.ggml.merges", [.. tokenizer.Merges]);
            if (tokenizer.BosId is { } bos) w.Add("tokenizer.ggml.bos_token_id", (uint)bos);
            if (tokenizer.EosId is { } eos) w.Add("tokenizer.ggml.eos_token_id", (uint)eos);
            if (tokenizer.EotId is { } eot) w.Add("tokenizer.ggml.eot_token_id", (uint)eot);
            if (tokenizer.PadId is { } pad) w.Add("tokenizer.ggml.padding_token_id", (uint)pad);
            w.Add("tokenizer.ggml.add_bos_token", tokenizer.AddBos);
            w.Add("tokenizer.chat_template", tokenizer.ChatTemplate ?? ChatMlTemplate);
        }

        var type = p.F16 ? GgufFormat.TensorType.F16 : GgufFormat.TensorType.F32;
        var kvWidth = headDim * p.KvHeads;
        var qWidth = headDim * p.Heads;
        void Tensor(string name, long[] dims, float scale, bool ones = false)
        {
            if (name == omitTensor) return;
            // Norm weights are vectors: keep them F32 like llama.cpp's converters do.
            var t = dims.Length == 1 ? GgufFormat.TensorType.F32 : type;
            var rng = new XorShift(Fnv1a(name, seed) | 1);
            w.AddTensor(name, dims, t, span =>
            {
                if (ones) { span.Fill(1f); return; }
                for (var i = 0; i < span.Length; i++) span[i] = rng.NextSigned() * scale;
            });
        }

        Tensor("token_embd.weight", [p.Embedding, vocabSize], 0.5f);
        Tensor("output_norm.weight", [p.Embedding], 0, ones: true);
        var projScale = 1f / MathF.Sqrt(p.Embedding);
        for (var l = 0; l < p.Layers; l++)
        {
            Tensor($"blk.{l}.attn_norm.weight", [p.Embedding], 0, ones: true);
            Tensor($"blk.{l}.attn_q.weight", [p.Embedding, qWidth], projScale);
            Tensor($"blk.{l}.attn_k.weight", [p.Embedding, kvWidth], projScale);
            Tensor($"blk.{l}.attn_v.weight", [p.Embedding, kvWidth], projScale);
            Tensor($"blk.{l}.attn_output.weight", [qWidth, p.Embedding], projScale);
            if (arch == "qwen3")
            {
                Tensor($"blk.{l}.attn_q_norm.weight", [headDim], 0, ones: true);
                Tensor($"blk.{l}.attn_k_norm.weight", [headDim], 0, ones: true);
            }
            Tensor($"blk.{l}.ffn_norm.weight", [p.Embedding], 0, ones: true);
            Tensor($"blk.{l}.ffn_gate.weight", [p.Embedding, p.FeedForward], projScale);
            Tensor($"blk.{l}.ffn_up.weight", [p.Embedding, p.FeedForward], projScale);
            Tensor($"blk.{l}.ffn_down.weight", [p.FeedForward, p.Embedding], 1f / MathF.Sqrt(p.FeedForward));
        }
        return w;
    }

    private static (string[] Tokens, int[] Types, float[] Scores) Vocabulary(int size)
    {
        if (size < ByteVocabSize) throw new ArgumentOutOfRangeException(nameof(size), $"The vocabulary needs at least {ByteVocabSize} tokens.");
        var tokens = new string[size];
        var types = new int[size];
        tokens[0] = "<unk>"; types[0] = 2;
        tokens[1] = "<s>"; types[1] = 3;
        tokens[2] = "</s>"; types[2] = 3;
        for (var b = 0; b < 256; b++) { tokens[3 + b] = $"<0x{b:X2}>"; types[3 + b] = 6; }
        tokens[259] = "<|im_start|>"; types[259] = 3;
        tokens[260] = "<|im_end|>"; types[260] = 3;
        tokens[261] = "\u2581"; types[261] = 1;
        // Fillers give a realistic output-layer size; the tokenizer never produces them (their pieces cannot be merged
        // from single characters, which this vocabulary only has as byte fallbacks).
        for (var i = ByteVocabSize; i < size; i++) { tokens[i] = $"\u2581t{i}"; types[i] = 1; }
        return (tokens, types, new float[size]);
    }

    // string.GetHashCode is randomised per process; the same seed must write the same file everywhere.
    private static uint Fnv1a(string text, int seed)
    {
        var hash = 2166136261u ^ (uint)seed;
        foreach (var c in text) hash = (hash ^ c) * 16777619u;
        return hash;
    }

    private struct XorShift(uint state)
    {
        private uint _state = state;

        /// <summary>Uniform in [-1, 1).</summary>
        public float NextSigned()
        {
            _state ^= _state << 13;
            _state ^= _state >> 17;
            _state ^= _state << 5;
            return (_state >> 8) * (2f / (1 << 24)) - 1f;
        }
    }
}
