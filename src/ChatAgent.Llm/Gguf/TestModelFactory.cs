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
public sealed record TestModelPreset(
    string Name, int Embedding, int Layers, int Heads, int KvHeads, int FeedForward, int VocabSize, uint ContextLength, bool F16)
{
    /// <summary>64 wide, 2 layers: loads in milliseconds, generates ~1,000 tokens/s on 2 cores. For tests.</summary>
    public static TestModelPreset Tiny { get; } = new("tiny", 64, 2, 4, 2, 128, TestModelFactory.ByteVocabSize, 8192, F16: false);

    /// <summary>256 wide, 4 layers.</summary>
    public static TestModelPreset Small { get; } = new("small", 256, 4, 8, 4, 768, TestModelFactory.ByteVocabSize, 8192, F16: true);

    /// <summary>Qwen2.5-0.5B's shape (896 wide, 24 layers, 14/2 heads, 4864 FFN, 151,936 tokens, tied embeddings). For benchmarks.</summary>
    public static TestModelPreset Qwen05B { get; } = new("qwen05b", 896, 24, 14, 2, 4864, 151_936, 32768, F16: true);

    /// <summary>All presets by name.</summary>
    public static IReadOnlyList<TestModelPreset> All { get; } = [Tiny, Small, Qwen05B];
}

/// <summary>
/// Generates random-weight GGUF models with a byte-level vocabulary and a ChatML chat template, because no model
/// weights can be downloaded here. Their output is gibberish: tests assert on structure, never on wording.
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
    public static void Create(string path, TestModelPreset preset, bool quantizeQ4_0 = false, int seed = 1234, string? omitTensor = null)
    {
        ArgumentNullException.ThrowIfNull(preset);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        if (!quantizeQ4_0)
        {
            BuildWriter(preset, seed, omitTensor).Write(path);
            return;
        }
        var temp = path + ".f16.tmp";
        try
        {
            BuildWriter(preset with { F16 = true }, seed, omitTensor).Write(temp);
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

    private static GgufWriter BuildWriter(TestModelPreset p, int seed, string? omitTensor)
    {
        var (tokens, types, scores) = Vocabulary(p.VocabSize);
        var headDim = p.Embedding / p.Heads;
        var w = new GgufWriter()
            .Add("general.architecture", "llama")
            .Add("general.name", $"chatagent-test-{p.Name}")
            .Add("llama.context_length", p.ContextLength)
            .Add("llama.embedding_length", (uint)p.Embedding)
            .Add("llama.block_count", (uint)p.Layers)
            .Add("llama.feed_forward_length", (uint)p.FeedForward)
            .Add("llama.attention.head_count", (uint)p.Heads)
            .Add("llama.attention.head_count_kv", (uint)p.KvHeads)
            .Add("llama.rope.dimension_count", (uint)headDim)
            .Add("llama.rope.freq_base", 1_000_000f)
            .Add("llama.attention.layer_norm_rms_epsilon", 1e-6f)
            .Add("general.file_type", p.F16 ? 1u : 0u)
            .Add("tokenizer.ggml.model", "llama")
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

        var type = p.F16 ? GgufFormat.TensorType.F16 : GgufFormat.TensorType.F32;
        var kvWidth = headDim * p.KvHeads;
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

        Tensor("token_embd.weight", [p.Embedding, p.VocabSize], 0.5f);
        Tensor("output_norm.weight", [p.Embedding], 0, ones: true);
        var projScale = 1f / MathF.Sqrt(p.Embedding);
        for (var l = 0; l < p.Layers; l++)
        {
            Tensor($"blk.{l}.attn_norm.weight", [p.Embedding], 0, ones: true);
            Tensor($"blk.{l}.attn_q.weight", [p.Embedding, p.Embedding], projScale);
            Tensor($"blk.{l}.attn_k.weight", [p.Embedding, kvWidth], projScale);
            Tensor($"blk.{l}.attn_v.weight", [p.Embedding, kvWidth], projScale);
            Tensor($"blk.{l}.attn_output.weight", [p.Embedding, p.Embedding], projScale);
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
