using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ChatAgent.Llm;
using Gguf = ChatAgent.Llm.Gguf;
using ChatAgent.Llm.Engine;
using ChatAgent.Llm.Hosting;
using LLama;
using LLama.Common;
using LLama.Native;
using LLama.Sampling;

namespace ChatAgent.Bench.Llm;

/// <summary>
/// One benchmark configuration, run in a process of its own (<c>ChatAgent.Bench.Llm child KIND ...</c>), so that no
/// other configuration's threads share its llama.cpp state. Prints one line <c>RESULT {json}</c>.
/// </summary>
internal sealed class Measure
{
    public const string ResultPrefix = "RESULT ";

    private readonly Dictionary<string, string> _args;
    private readonly string _model;
    private readonly int _threads, _prompt, _decode, _reps;
    private readonly string _native;
    private readonly Random _rng;
    private readonly Dictionary<string, object> _result = [];

    private Measure(Dictionary<string, string> args)
    {
        _args = args;
        _model = args["model"];
        _threads = Int("threads", 2);
        _prompt = Int("prompt", 128);
        _decode = Int("decode", 48);
        _reps = Int("reps", 2);
        _native = args.GetValueOrDefault("native", "");
        _rng = new Random(Int("seed", 42));
    }

    private int Int(string key, int fallback) => _args.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public static int Run(string kind, Dictionary<string, string> args)
    {
        if (kind == "make")
        {
            // Writes a generated model to reuse across runs: child make --model FILE --preset NAME [--format q4_0|f16]
            var preset = Gguf.TestModelPreset.All.First(p => p.Name == args.GetValueOrDefault("preset", "qwen05b"));
            Gguf.TestModelFactory.Create(args["model"], preset, quantizeQ4_0: args.GetValueOrDefault("format", "q4_0") == "q4_0");
            return 0;
        }
        var m = new Measure(args);
        if (m._native.Length > 0) NativeLibraryConfig.LLama.WithLibrary(m._native);
        InferenceEngine.NativeSamplingOnly = m.Int("native-sampling", 0) == 1;
        NativeLibraryConfig.All.WithLogCallback((level, message) => { if (level == LLamaLogLevel.Error) Console.Error.Write(message); });
        switch (kind)
        {
            case "raw": m.Raw((uint)m.Int("seqs", 1)); break;
            case "engine": m.Engine(m.Int("idle", 0)); break;
            case "ttft": m.Ttft(m.Int("turns", 8)); break;
            case "concurrent": m.Concurrent(m.Int("n", 8)); break;
            case "rawbatch": m.RawBatch(m.Int("n", 8)); break;
            case "sampling": m.Sampling(); break;
            default: throw new ArgumentException($"unknown child kind '{kind}'");
        }
        m._result["native"] = NativeApi.GetLoadedNativeLibrary(NativeLibraryName.LLama)?.Metadata?.ToString() ?? m._native;
        Console.WriteLine(ResultPrefix + JsonSerializer.Serialize(m._result));
        return 0;
    }

    /// <summary>Byte tokens: random weights would otherwise end early or pick filler tokens.</summary>
    private LLamaToken[] RandomPrompt(int n) => [.. Enumerable.Range(0, n).Select(_ => (LLamaToken)_rng.Next(3, 259))];

    private ModelParams ContextParams(uint seqs) => new(_model)
    {
        ContextSize = 8192, BatchSize = 512, UBatchSize = 512, Threads = _threads, BatchThreads = _threads, GpuLayerCount = 0,
        SeqMax = seqs, KVUnified = true,
    };

    // ---- raw LLamaSharp: one synchronous loop on the process's main thread, the only thread calling llama.cpp ----

    private void Raw(uint seqs)
    {
        using var weights = LLamaWeights.LoadFromFile(new ModelParams(_model) { Threads = _threads, GpuLayerCount = 0 });
        using var ctx = weights.CreateContext(ContextParams(seqs));
        RawOnce(ctx, RandomPrompt(_prompt), 8); // warm-up: page cache, first-touch, OpenMP team
        double prompt = 0, decode = 0, promptCpu = 0, decodeCpu = 0;
        for (var r = 0; r < _reps; r++)
        {
            var (p, d, pc, dc) = RawOnce(ctx, RandomPrompt(_prompt), _decode);
            prompt = Math.Max(prompt, p);
            decode = Math.Max(decode, d);
            promptCpu = Math.Max(promptCpu, pc);
            decodeCpu = Math.Max(decodeCpu, dc);
        }
        _result["prompt_tps"] = prompt;
        _result["decode_tps"] = decode;
        _result["prompt_cpu_tps"] = promptCpu;
        _result["decode_cpu_tps"] = decodeCpu;
    }

    /// <summary>CPU time of the whole process: on a machine shared with other work, tokens per CPU-second are what the
    /// process itself spends (wall-clock tok/s there measure the scheduler's share as much as the code).</summary>
    private static TimeSpan Cpu() => Process.GetCurrentProcess().TotalProcessorTime;

    private static (double PromptTps, double DecodeTps, double PromptCpuTps, double DecodeCpuTps) RawOnce(LLamaContext ctx, LLamaToken[] prompt, int decode)
    {
        ctx.NativeHandle.MemoryClear();
        var batch = new LLamaBatch();
        using var sampler = new GreedySamplingPipeline();
        var cpu = Cpu();
        var sw = Stopwatch.StartNew();
        batch.AddRange(prompt, 0, LLamaSeqId.Zero, true);
        if (ctx.Decode(batch) != DecodeResult.Ok) throw new InvalidOperationException("raw prompt decode failed");
        var token = sampler.Sample(ctx.NativeHandle, batch.TokenCount - 1);
        var promptTps = prompt.Length / sw.Elapsed.TotalSeconds;
        var promptCpuTps = prompt.Length / (Cpu() - cpu).TotalSeconds;
        cpu = Cpu();
        sw.Restart();
        for (var i = 0; i < decode; i++)
        {
            batch.Clear();
            batch.Add(token, prompt.Length + i, LLamaSeqId.Zero, true);
            if (ctx.Decode(batch) != DecodeResult.Ok) throw new InvalidOperationException("raw decode failed");
            token = sampler.Sample(ctx.NativeHandle, 0);
        }
        return (promptTps, decode / sw.Elapsed.TotalSeconds, promptCpuTps, decode / (Cpu() - cpu).TotalSeconds);
    }

    private void RawBatch(int n)
    {
        using var weights = LLamaWeights.LoadFromFile(new ModelParams(_model) { Threads = _threads, GpuLayerCount = 0 });
        using var ctx = weights.CreateContext(ContextParams((uint)n));
        RawOnce(ctx, RandomPrompt(16), 4);
        ctx.NativeHandle.MemoryClear();
        var prompts = Enumerable.Range(0, n).Select(_ => RandomPrompt(100)).ToList();
        var batch = new LLamaBatch();
        using var sampler = new GreedySamplingPipeline();
        var cpu = Cpu();
        var sw = Stopwatch.StartNew();
        var logits = new int[n];
        var next = new LLamaToken[n];
        // Whole prompts in batches of at most 512 tokens, then one token per sequence a step.
        for (var s = 0; s < n;)
        {
            batch.Clear();
            var first = s;
            for (; s < n && batch.TokenCount + prompts[s].Length <= 512; s++)
                for (var i = 0; i < prompts[s].Length; i++) logits[s] = batch.Add(prompts[s][i], i, (LLamaSeqId)s, i == prompts[s].Length - 1);
            if (ctx.Decode(batch) != DecodeResult.Ok) throw new InvalidOperationException("raw batched prompt decode failed");
            for (var k = first; k < s; k++) next[k] = sampler.Sample(ctx.NativeHandle, logits[k]);
        }
        var generated = n;
        for (var step = 1; step < _decode; step++)
        {
            batch.Clear();
            for (var s = 0; s < n; s++) logits[s] = batch.Add(next[s], prompts[s].Length + step - 1, (LLamaSeqId)s, true);
            if (ctx.Decode(batch) != DecodeResult.Ok) throw new InvalidOperationException("raw batched decode failed");
            for (var s = 0; s < n; s++) next[s] = sampler.Sample(ctx.NativeHandle, logits[s]);
            generated += n;
        }
        _result["tps"] = generated / sw.Elapsed.TotalSeconds;
        _result["cpu_tps"] = generated / (Cpu() - cpu).TotalSeconds;
    }

    /// <summary>Microseconds per sampled token: LLamaSharp's native chains against the engine's managed samplers.</summary>
    private void Sampling()
    {
        using var weights = LLamaWeights.LoadFromFile(new ModelParams(_model) { Threads = _threads, GpuLayerCount = 0 });
        using var ctx = weights.CreateContext(ContextParams(1));
        var batch = new LLamaBatch();
        var prompt = RandomPrompt(16);
        for (var i = 0; i < prompt.Length; i++) batch.Add(prompt[i], i, LLamaSeqId.Zero, true);
        if (ctx.Decode(batch) != DecodeResult.Ok) throw new InvalidOperationException("decode failed");
        var request = new GenerationRequest { Prompt = prompt, Sampling = new SamplingSettings(0.7f, 0.9f, 40, 0.05f, 7) };
        var greedy = new GenerationRequest { Prompt = prompt, Sampling = new SamplingSettings(0, 1, 0, 0, 7) };
        double Time(Func<ITokenSampler> make)
        {
            using var sampler = make();
            for (var i = 0; i < 20; i++) sampler.Sample(ctx.NativeHandle, i % 16);
            const int n = 400;
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < n; i++) sampler.Sample(ctx.NativeHandle, i % 16);
            return sw.Elapsed.TotalMicroseconds / n;
        }
        _result["vocab"] = weights.Vocab.Count;
        // Tokenizing a whole prompt again every turn: a ~6 KB system prompt with tools (the prompt budget's size).
        var text = string.Concat(Enumerable.Repeat("<|im_start|>system\nYou are the shop's assistant. Tools: {\"name\":\"get_order\",\"parameters\":{\"order_id\":\"string\"}}<|im_end|>\n", 48));
        weights.Tokenize(text, false, true, System.Text.Encoding.UTF8);
        var tsw = Stopwatch.StartNew();
        for (var i = 0; i < 10; i++) weights.Tokenize(text, false, true, System.Text.Encoding.UTF8);
        _result["tokenize_chars"] = text.Length;
        _result["tokenize_tokens"] = weights.Tokenize(text, false, true, System.Text.Encoding.UTF8).Length;
        _result["tokenize_us"] = tsw.Elapsed.TotalMicroseconds / 10;
        _result["native_greedy_us"] = Time(() => new NativeSampler(new GreedySamplingPipeline()));
        _result["managed_greedy_us"] = Time(() => TokenSamplers.Create(greedy));
        _result["native_topk_us"] = Time(() => new NativeSampler(new DefaultSamplingPipeline { Temperature = 0.7f, TopP = 0.9f, TopK = 40, MinP = 0.05f, Seed = 7 }));
        _result["managed_topk_us"] = Time(() => TokenSamplers.Create(request));
    }

    // ---- the engine, loaded the way the host loads it ----

    private LocalModel Load(int maxConcurrent, int cacheTokens) => LocalModel.Load(new ModelOptions
    {
        Path = _model, ContextSize = 8192, BatchSize = 512, Threads = _threads, MaxConcurrent = maxConcurrent, QueueLength = 8,
        CachedConversations = 8, CacheTokens = cacheTokens, Temperature = 0, MaxOutputTokens = _decode, NativeLibraryPath = _native,
    });

    private static GenerationRequest Request(IReadOnlyList<LLamaToken> prompt, int max) => new()
    {
        Prompt = prompt,
        Sampling = new SamplingSettings(0, 1, 0, 0, 1),
        MaxTokens = max,
    };

    private void Engine(int idle)
    {
        // With idle = 0 the engine keeps no idle conversation (CacheTokens 0), as the raw loops keep none; with idle > 0,
        // that many finished conversations stay cached, as a busy shop's would (every decode attends over all used cells).
        using var model = Load(8, idle > 0 ? 8192 : 0);
        var engine = model.Engine;
        Generate(engine, RandomPrompt(_prompt), 8);
        for (var i = 0; i < idle; i++) Generate(engine, RandomPrompt(_prompt), _decode);
        double prompt = 0, streamed = 0, quiet = 0, promptCpu = 0, decodeCpu = 0;
        for (var r = 0; r < _reps; r++)
        {
            var cpu = Cpu();
            var first = TimeToFirst(engine, RandomPrompt(_prompt));
            prompt = Math.Max(prompt, _prompt / first.TotalSeconds);
            promptCpu = Math.Max(promptCpu, _prompt / (Cpu() - cpu).TotalSeconds);
            streamed = Math.Max(streamed, Generate(engine, RandomPrompt(_prompt), _decode));
            var (wall, cpuTps) = QuietDecode(engine);
            quiet = Math.Max(quiet, wall);
            decodeCpu = Math.Max(decodeCpu, cpuTps);
        }
        _result["prompt_cpu_tps"] = promptCpu;
        _result["decode_cpu_tps"] = decodeCpu;
        _result["prompt_tps"] = prompt;
        _result["decode_tps"] = streamed;
        _result["decode_quiet_tps"] = quiet;
        _result["idle_cached"] = engine.Counters.CachedSequences;
        var w = engine.Weights.NativeHandle;
        var kvBytesPerToken = LlamaThread.Invoke(() => 2L * w.LayerCount * (w.EmbeddingSize / w.HeadCount) * w.KVHeadCount * 2);
        _result["kv_kib_per_token"] = kvBytesPerToken / 1024.0;
    }

    /// <summary>Decode tok/s of one request whose stream is read as it comes (tokens after the first / time after the first).</summary>
    private static double Generate(InferenceEngine engine, IReadOnlyList<LLamaToken> prompt, int max)
    {
        var g = engine.Submit(Request(prompt, max));
        var clock = Stopwatch.StartNew();
        var firstSeen = TimeSpan.Zero;
        var reader = g.Pieces;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            while (reader.TryRead(out _)) if (firstSeen == TimeSpan.Zero) firstSeen = clock.Elapsed;
        var r = g.Completion.GetAwaiter().GetResult();
        return (r.OutputTokens - 1) / (clock.Elapsed - firstSeen).TotalSeconds;
    }

    /// <summary>(T(n tokens) - T(1 token)) / (n - 1) on different random prompts of equal length, nobody reading the stream.</summary>
    private (double WallTps, double CpuTps) QuietDecode(InferenceEngine engine)
    {
        var cpu = Cpu();
        var one = TimeToFirst(engine, RandomPrompt(_prompt));
        var oneCpu = Cpu() - cpu;
        cpu = Cpu();
        var sw = Stopwatch.StartNew();
        var result = engine.Submit(Request(RandomPrompt(_prompt), _decode)).Completion.GetAwaiter().GetResult();
        return ((result.OutputTokens - 1) / (sw.Elapsed - one).TotalSeconds, (result.OutputTokens - 1) / (Cpu() - cpu - oneCpu).TotalSeconds);
    }

    private static TimeSpan TimeToFirst(InferenceEngine engine, IReadOnlyList<LLamaToken> prompt)
    {
        var sw = Stopwatch.StartNew();
        engine.Submit(Request(prompt, 1)).Completion.GetAwaiter().GetResult();
        return sw.Elapsed;
    }

    private void Ttft(int turns)
    {
        // The conversation's tokens come from the seed, so llama-server gets exactly the same turns (Reference.Ttft).
        var history = Conversation(Int("seed", 42), _prompt, turns);
        using var model = Load(4, 8192);
        using var cold = Load(1, 0); // keeps nothing: every turn re-prefills everything
        Generate(model.Engine, RandomPrompt(8), 2);
        Generate(cold.Engine, RandomPrompt(8), 2);
        var reuse = new List<double>();
        var full = new List<double>();
        foreach (var prompt in history)
        {
            reuse.Add(TimeToFirst(model.Engine, prompt).TotalMilliseconds);
            full.Add(TimeToFirst(cold.Engine, prompt).TotalMilliseconds);
        }
        _result["reuse_ms"] = reuse;
        _result["full_ms"] = full;
        _result["prompt_tokens"] = history.Select(h => h.Length).ToList();
        _result["cached_reused"] = model.Counters.CachedTokensReused;
    }

    /// <summary>The prompts of <paramref name="turns"/> turns: a first prompt, then +1 answer token and 60 new tokens a turn.</summary>
    public static List<LLamaToken[]> Conversation(int seed, int first, int turns)
    {
        var rng = new Random(seed);
        var tokens = new List<LLamaToken>(Enumerable.Range(0, first).Select(_ => (LLamaToken)rng.Next(3, 259)));
        var prompts = new List<LLamaToken[]>();
        for (var t = 0; t < turns; t++)
        {
            prompts.Add([.. tokens]);
            tokens.AddRange(Enumerable.Range(0, 61).Select(_ => (LLamaToken)rng.Next(3, 259)));
        }
        return prompts;
    }

    private void Concurrent(int n)
    {
        using var model = Load(n, 0);
        Generate(model.Engine, RandomPrompt(8), 2);
        var prompts = Enumerable.Range(0, n).Select(_ => RandomPrompt(100)).ToList();
        var cpu = Cpu();
        var sw = Stopwatch.StartNew();
        var gens = prompts.Select(p => model.Engine.Submit(Request(p, _decode))).ToList();
        var results = gens.Select(g => g.Completion.GetAwaiter().GetResult()).ToList();
        var elapsed = sw.Elapsed.TotalSeconds;
        _result["tps"] = results.Sum(r => r.OutputTokens) / elapsed;
        _result["cpu_tps"] = results.Sum(r => r.OutputTokens) / (Cpu() - cpu).TotalSeconds;
        _result["tokens"] = results.Sum(r => r.OutputTokens);
        _result["seconds"] = elapsed;
    }
}
