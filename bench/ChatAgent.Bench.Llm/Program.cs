// Model-engine benchmark: engine vs raw LLamaSharp on the same generated file, TTFT with and without cache reuse,
// aggregate decode speed under concurrency, memory per conversation.
// Usage: dotnet run -c Release --project bench/ChatAgent.Bench.Llm -- [--preset qwen05b|small|tiny] [--threads 2]
//        [--quick] [--long] [--model FILE] [--formats q4_0,f16] [--turns 8] [--rounds 3] [--sections ratio,ttft,concurrency,memory]
using System.Diagnostics;
using System.Text;
using ChatAgent.Llm;
using ChatAgent.Llm.Engine;
using ChatAgent.Llm.Gguf;
using ChatAgent.Llm.Hosting;
using LLama;
using LLama.Common;
using LLama.Native;
using LLama.Sampling;
using Microsoft.Extensions.AI;

// llama.cpp logs every load at info level; keep the figures readable.
NativeLibraryConfig.All.WithLogCallback((level, message) => { if (level == LLamaLogLevel.Error) Console.Error.Write(message); });
var argList = args.ToList();
string Arg(string name, string fallback) { var i = argList.IndexOf(name); return i >= 0 && i + 1 < argList.Count ? argList[i + 1] : fallback; }
var presetName = Arg("--preset", "qwen05b");
var threads = int.Parse(Arg("--threads", "2"));
var quick = argList.Contains("--quick");
var longRun = argList.Contains("--long");
var preset = TestModelPreset.All.First(p => p.Name == presetName);
var promptTokens = quick ? 64 : 128;
var decodeTokens = quick ? 16 : longRun ? 128 : 48;
var turns = int.Parse(Arg("--turns", quick ? "3" : "8"));
var rounds = int.Parse(Arg("--rounds", "3"));
var sections = Arg("--sections", "ratio,ttft,concurrency,memory").Split(',');
var formats = Arg("--formats", "q4_0,f16").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
var concurrency = quick ? new[] { 1, 2 } : new[] { 1, 2, 4, 8 };

var dir = Path.Combine(Path.GetTempPath(), "chatagent-bench-" + Environment.ProcessId);
Directory.CreateDirectory(dir);
try
{
    var files = new List<(string Label, string Path)>();
    if (Arg("--model", "") is { Length: > 0 } given) files.Add(("given", given));
    else
    {
        foreach (var format in formats)
        {
            var sw = Stopwatch.StartNew();
            var file = Path.Combine(dir, $"{preset.Name}-{format}.gguf");
            TestModelFactory.Create(file, preset, quantizeQ4_0: format == "q4_0");
            Console.WriteLine($"Generated {preset.Name} {format} ({new FileInfo(file).Length / 1048576.0:F0} MiB) in {sw.Elapsed.TotalSeconds:F1} s");
            files.Add((format.ToUpperInvariant(), file));
        }
    }
    Console.WriteLine($"threads={threads} prompt={promptTokens} decode={decodeTokens} native={NativeApi.GetLoadedNativeLibrary(NativeLibraryName.LLama)?.Metadata}");
    foreach (var (label, path) in files) Run(label, path);
}
finally
{
    Directory.Delete(dir, true);
}

void Run(string label, string path)
{
    Console.WriteLine($"\n=== {preset.Name} {label} ===");
    var rng = new Random(42);
    LLamaToken[] RandomPrompt(int n) => [.. Enumerable.Range(0, n).Select(_ => (LLamaToken)rng.Next(3, 259))];

    var options = new ModelOptions
    {
        Path = path, ContextSize = 8192, BatchSize = 512, Threads = threads, MaxConcurrent = 8, QueueLength = 8,
        CachedConversations = 8, CacheTokens = 8192, Temperature = 0, MaxOutputTokens = decodeTokens,
    };
    using var model = LocalModel.Load(options);
    var engine = model.Engine;
    var weights = model.Engine.Weights;
    // The ratio is measured on an engine that keeps no idle conversation (CacheTokens 0), as the raw loops keep none;
    // the same decode beside idle cached conversations is measured after it, because every decode step attends over
    // all used cells of the shared cache.
    const int engineSeqs = 16;
    using var clean = new InferenceEngine(weights, path, new EngineSettings(8192, 512, threads, 8, 8, engineSeqs - 8, null, CacheTokens: 0));
    // Warm-up of both, so that page cache and first-touch costs hit neither measurement.
    Generate(engine, RandomPrompt(8), 4);
    Generate(clean, RandomPrompt(promptTokens), decodeTokens);
    RawExecutor(weights, path, RandomPrompt(promptTokens), decodeTokens);

    // Raw LLamaSharp on the same loaded weights: a synchronous decode loop with greedy sampling, on a 1-sequence context
    // and on a context shaped like the engine's (16 sequences, unified cache). Raw and engine runs alternate in the same
    // process state and the best of each is kept, so a noisy machine hits both alike.
    (double PromptTps, double DecodeTps) raw = default, rawWide = default;
    double promptTps = 0, gen = 0, genQuiet = 0, genCached = 0;
    for (var round = 0; round < rounds; round++)
    {
        var one = RawExecutor(weights, path, RandomPrompt(promptTokens), decodeTokens);
        raw = (Math.Max(raw.PromptTps, one.PromptTps), Math.Max(raw.DecodeTps, one.DecodeTps));
        var wide = RawExecutor(weights, path, RandomPrompt(promptTokens), decodeTokens, engineSeqs);
        rawWide = (Math.Max(rawWide.PromptTps, wide.PromptTps), Math.Max(rawWide.DecodeTps, wide.DecodeTps));
        var first = TimeToFirst(clean, RandomPrompt(promptTokens), 1, out _);
        promptTps = Math.Max(promptTps, promptTokens / first.TotalSeconds);
        gen = Math.Max(gen, Generate(clean, RandomPrompt(promptTokens), decodeTokens, measureDecode: true));
        genQuiet = Math.Max(genQuiet, QuietDecode(clean));
    }
    // Fill the other engine with 6 idle conversations of ~180 tokens (8 slots), as a busy shop's would be.
    for (var i = 0; i < 6; i++) Generate(engine, RandomPrompt(promptTokens), decodeTokens);
    var idle = engine.Counters;
    for (var round = 0; round < rounds; round++) genCached = Math.Max(genCached, QuietDecode(engine));
    Console.WriteLine($"raw LLamaSharp, 1-sequence context         prompt {raw.PromptTps,7:F1} tok/s   decode {raw.DecodeTps,6:F1} tok/s (best of {rounds})");
    Console.WriteLine($"raw LLamaSharp, the engine's {engineSeqs}-sequence context prompt {rawWide.PromptTps,7:F1} tok/s   decode {rawWide.DecodeTps,6:F1} tok/s (best of {rounds})");
    Console.WriteLine($"engine                                     prompt {promptTps,7:F1} tok/s   decode {gen,6:F1} tok/s (text read as it streams)");
    Console.WriteLine($"  ratio to the same-context raw loop:      prompt {promptTps / rawWide.PromptTps,5:F2}            decode {gen / rawWide.DecodeTps,5:F2}");
    Console.WriteLine($"  ratio to the 1-sequence raw loop:        prompt {promptTps / raw.PromptTps,5:F2}            decode {gen / raw.DecodeTps,5:F2}");
    Console.WriteLine($"engine, stream read at the end             decode {genQuiet,6:F1} tok/s   ratio same-context {genQuiet / rawWide.DecodeTps:F2}, 1-sequence {genQuiet / raw.DecodeTps:F2}");
    Console.WriteLine($"engine, {idle.CachedSequences} idle conversations cached        decode {genCached,6:F1} tok/s   ratio same-context {genCached / rawWide.DecodeTps:F2}, 1-sequence {genCached / raw.DecodeTps:F2}");

    // (T(n tokens) - T(1 token)) / (n - 1) on different random prompts of equal length, nobody reading the stream meanwhile.
    double QuietDecode(InferenceEngine e)
    {
        var one = TimeToFirst(e, RandomPrompt(promptTokens), 1, out _);
        var sw = Stopwatch.StartNew();
        var result = e.Submit(Request(RandomPrompt(promptTokens), decodeTokens)).Completion.GetAwaiter().GetResult();
        return (result.OutputTokens - 1) / (sw.Elapsed - one).TotalSeconds;
    }

    if (!sections.Contains("ttft")) goto concurrencySection;
    // TTFT over turns of one conversation (+~60 tokens a turn), with the cache kept vs re-prefilling everything.
    var history = new List<LLamaToken>(RandomPrompt(promptTokens));
    var reuse = new List<double>();
    var cold = new List<double>();
    for (var t = 0; t < turns; t++)
    {
        reuse.Add(TimeToFirst(engine, history, 1, out var answer).TotalMilliseconds);
        using (var fresh = new InferenceEngine(model.Engine.Weights, path, new EngineSettings(8192, 512, threads, 1, 1, 1, null)))
            cold.Add(TimeToFirst(fresh, history, 1, out _).TotalMilliseconds);
        history.AddRange(answer);
        history.AddRange(RandomPrompt(60));
    }
    Console.WriteLine($"TTFT turns 1-{turns} with cache reuse (ms): {string.Join(" ", reuse.Select(x => x.ToString("F0")))}");
    Console.WriteLine($"TTFT turns 1-{turns} full re-prefill  (ms): {string.Join(" ", cold.Select(x => x.ToString("F0")))}");

    concurrencySection:
    // Aggregate decode speed with N concurrent conversations (~100-token prompts).
    foreach (var n in sections.Contains("concurrency") ? concurrency : [])
    {
        using var batchEngine = new InferenceEngine(model.Engine.Weights, path, new EngineSettings(8192, 512, threads, n, n, 1, null));
        var prompts = Enumerable.Range(0, n).Select(_ => RandomPrompt(100)).ToList();
        var start = Stopwatch.StartNew();
        var gens = prompts.Select(p => batchEngine.Submit(Request(p, decodeTokens))).ToList();
        var results = gens.Select(g => g.Completion.GetAwaiter().GetResult()).ToList();
        var elapsed = start.Elapsed.TotalSeconds;
        var tokens = results.Sum(r => r.OutputTokens);
        var prefill = n * 100;
        // The same work in a raw LLamaSharp batch loop (all prompts in one batch, then one token per sequence a step).
        var rawTps = RawBatched(model.Engine.Weights, path, prompts, results.Min(r => r.OutputTokens));
        Console.WriteLine($"{n} concurrent: {tokens / elapsed,7:F1} tok/s generated (incl. {prefill} prompt tokens prefilled; {tokens} generated in {elapsed:F1} s); raw batch loop {rawTps,7:F1} tok/s; ratio {tokens / elapsed / rawTps:F2}");
    }

    // Memory per active conversation: KV bytes per token from the model shape (f16 K and V per layer).
    var w = model.Engine.Weights.NativeHandle;
    var kvBytesPerToken = 2L * w.LayerCount * (w.EmbeddingSize / w.HeadCount) * w.KVHeadCount * 2;
    Console.WriteLine($"KV cache: {kvBytesPerToken / 1024.0:F1} KiB per token -> {kvBytesPerToken * 1024 / 1048576.0:F1} MiB per active conversation of 1,024 tokens (weights {new FileInfo(path).Length / 1048576.0:F0} MiB shared)");
    Console.WriteLine($"engine counters: {model.Counters}");
}

static GenerationRequest Request(IReadOnlyList<LLamaToken> prompt, int max) => new()
{
    Prompt = prompt,
    Sampling = new SamplingSettings(0, 1, 0, 0, 1),
    MaxTokens = max,
    // Byte tokens only: random weights would otherwise end early or pick filler tokens.
    Grammar = null,
};

static double Generate(InferenceEngine engine, IReadOnlyList<LLamaToken> prompt, int max, bool measureDecode = false)
{
    var g = engine.Submit(Request(prompt, max));
    var first = Stopwatch.StartNew();
    var firstSeen = TimeSpan.Zero;
    var reader = g.Pieces;
    while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        while (reader.TryRead(out _)) if (firstSeen == TimeSpan.Zero) firstSeen = first.Elapsed;
    var r = g.Completion.GetAwaiter().GetResult();
    var total = first.Elapsed;
    return measureDecode ? (r.OutputTokens - 1) / (total - firstSeen).TotalSeconds : 0;
}

static TimeSpan TimeToFirst(InferenceEngine engine, IReadOnlyList<LLamaToken> prompt, int max, out List<LLamaToken> answer)
{
    var sw = Stopwatch.StartNew();
    var g = engine.Submit(Request(prompt, max));
    var r = g.Completion.GetAwaiter().GetResult();
    var elapsed = sw.Elapsed;
    answer = [.. engine.Tokenize(r.Text.Length > 0 ? r.Text : "ok")];
    return elapsed;
}

double RawBatched(LLamaWeights weights, string path, List<LLamaToken[]> prompts, int decode)
{
    var n = prompts.Count;
    var p = new ModelParams(path) { ContextSize = 8192, BatchSize = 512, UBatchSize = 512, Threads = threads, BatchThreads = threads, GpuLayerCount = 0, SeqMax = (uint)n, KVUnified = true };
    using var ctx = weights.CreateContext(p);
    var batch = new LLamaBatch();
    using var sampler = new GreedySamplingPipeline();
    var sw = Stopwatch.StartNew();
    var logits = new int[n];
    // Prompts in batches of at most 512 tokens (the batch size), whole prompts each.
    var next = new LLamaToken[n];
    for (var s = 0; s < n;)
    {
        batch.Clear();
        var first = s;
        for (; s < n && batch.TokenCount + prompts[s].Length <= 512; s++)
        {
            for (var i = 0; i < prompts[s].Length; i++) logits[s] = batch.Add(prompts[s][i], i, (LLamaSeqId)s, i == prompts[s].Length - 1);
        }
        if (ctx.Decode(batch) != DecodeResult.Ok) throw new InvalidOperationException("raw batched prompt decode failed");
        for (var k = first; k < s; k++) next[k] = sampler.Sample(ctx.NativeHandle, logits[k]);
    }
    var generated = n;
    for (var step = 1; step < decode; step++)
    {
        batch.Clear();
        for (var s = 0; s < n; s++) logits[s] = batch.Add(next[s], prompts[s].Length + step - 1, (LLamaSeqId)s, true);
        if (ctx.Decode(batch) != DecodeResult.Ok) throw new InvalidOperationException("raw batched decode failed");
        for (var s = 0; s < n; s++) next[s] = sampler.Sample(ctx.NativeHandle, logits[s]);
        generated += n;
    }
    return generated / sw.Elapsed.TotalSeconds;
}

(double PromptTps, double DecodeTps) RawExecutor(LLamaWeights weights, string path, LLamaToken[] prompt, int decode, uint seqMax = 1)
{
    // Same weights, context size and flash-attention setting (llama.cpp's default) as the engine: only the engine differs.
    var p = new ModelParams(path) { ContextSize = 8192, BatchSize = 512, UBatchSize = 512, Threads = threads, BatchThreads = threads, GpuLayerCount = 0, SeqMax = seqMax, KVUnified = true };
    using var ctx = weights.CreateContext(p);
    var batch = new LLamaBatch();
    using var sampler = new GreedySamplingPipeline();
    // Warm-up.
    batch.AddRange(prompt.AsSpan(0, 8), 0, LLamaSeqId.Zero, true);
    ctx.Decode(batch);
    ctx.NativeHandle.MemoryClear();
    batch.Clear();
    var sw = Stopwatch.StartNew();
    batch.AddRange(prompt, 0, LLamaSeqId.Zero, true);
    if (ctx.Decode(batch) != DecodeResult.Ok) throw new InvalidOperationException("raw prompt decode failed");
    var promptTps = prompt.Length / sw.Elapsed.TotalSeconds;
    var token = sampler.Sample(ctx.NativeHandle, batch.TokenCount - 1);
    sw.Restart();
    for (var i = 0; i < decode; i++)
    {
        batch.Clear();
        batch.Add(token, prompt.Length + i, LLamaSeqId.Zero, true);
        if (ctx.Decode(batch) != DecodeResult.Ok) throw new InvalidOperationException("raw decode failed");
        token = sampler.Sample(ctx.NativeHandle, 0);
    }
    return (promptTps, decode / sw.Elapsed.TotalSeconds);
}
