// Model-engine benchmark. Every configuration runs in a process of its own (this program re-invoking itself with
// `child KIND --key value ...`), so each figure is what a host process doing only that would get; rounds alternate the
// configurations and the best of each is kept, so a noisy machine hits all alike. Compared with a raw LLamaSharp loop
// (its own process too) and, when found, llama.cpp's llama-bench and llama-server (PATH, or LLAMA_BENCH / LLAMA_SERVER).
// Usage: dotnet run -c Release --project bench/ChatAgent.Bench.Llm -- [--preset qwen05b|small|tiny] [--threads 2]
//        [--quick] [--long] [--model FILE] [--formats q4_0,f16] [--turns 8] [--rounds 3]
//        [--sections sampling,speed,ttft,concurrency] [--native /path/to/self-built/libllama.so] [--concurrency 1,2,4,8]
//        [--no-before] (skips the engine with LLamaSharp's native samplers, the "before" of the concurrency figures)
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ChatAgent.Bench.Llm;
using ChatAgent.Llm.Gguf;

if (args.Length > 0 && args[0] == "child")
{
    var childArgs = new Dictionary<string, string>();
    for (var i = 2; i + 1 < args.Length; i += 2) childArgs[args[i].TrimStart('-')] = args[i + 1];
    return Measure.Run(args[1], childArgs);
}

var argList = args.ToList();
string Arg(string name, string fallback) { var i = argList.IndexOf(name); return i >= 0 && i + 1 < argList.Count ? argList[i + 1] : fallback; }
var presetName = Arg("--preset", "qwen05b");
var threads = int.Parse(Arg("--threads", "2"), CultureInfo.InvariantCulture);
var quick = argList.Contains("--quick");
var longRun = argList.Contains("--long");
var preset = TestModelPreset.All.First(p => p.Name == presetName);
var promptTokens = quick ? 64 : 128;
var decodeTokens = quick ? 16 : longRun ? 128 : 48;
var turns = int.Parse(Arg("--turns", quick ? "3" : "8"), CultureInfo.InvariantCulture);
var rounds = int.Parse(Arg("--rounds", quick ? "1" : "3"), CultureInfo.InvariantCulture);
var sections = Arg("--sections", "sampling,speed,ttft,concurrency").Split(',');
var formats = Arg("--formats", "q4_0,f16").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
var concurrency = Arg("--concurrency", quick ? "1,2" : "1,2,4,8").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
var libraries = new List<(string Label, string Path)> { ("packaged", "") };
if (Arg("--native", Environment.GetEnvironmentVariable("LLAMA_NATIVE_LIB") ?? "") is { Length: > 0 } native)
{
    if (!File.Exists(native)) { Console.Error.WriteLine($"--native {native} does not exist"); return 2; }
    libraries.Add(("self-built", Path.GetFullPath(native)));
}
var compareSampling = !argList.Contains("--no-before");
var llamaBench = Reference.Find("LLAMA_BENCH", "llama-bench");
var llamaServer = Reference.Find("LLAMA_SERVER", "llama-server");

var dir = Path.Combine(Path.GetTempPath(), "chatagent-bench-" + Environment.ProcessId);
Directory.CreateDirectory(dir);
try
{
    var files = new List<(string Label, string Path)>();
    if (Arg("--model", "") is { Length: > 0 } given) files.Add(("given", Path.GetFullPath(given)));
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
    Console.WriteLine($"threads={threads} prompt={promptTokens} decode={decodeTokens} rounds={rounds} load average {LoadAverage()}; " +
                      $"libraries: {string.Join(", ", libraries.Select(l => l.Path.Length > 0 ? $"{l.Label} {l.Path}" : l.Label))}; " +
                      $"llama-bench: {llamaBench ?? "not found"}; llama-server: {llamaServer ?? "not found"}");
    foreach (var (label, path) in files) Run(label, path);
    Console.WriteLine($"load average at the end: {LoadAverage()}");
}
finally
{
    Directory.Delete(dir, true);
}
return 0;

void Run(string label, string model)
{
    Console.WriteLine($"\n=== {preset.Name} {label} ===");
    var common = new Dictionary<string, string>
    {
        ["model"] = model, ["threads"] = threads.ToString(CultureInfo.InvariantCulture),
        ["prompt"] = promptTokens.ToString(CultureInfo.InvariantCulture), ["decode"] = decodeTokens.ToString(CultureInfo.InvariantCulture),
    };

    if (sections.Contains("sampling"))
    {
        var s = Child("sampling", common);
        Console.WriteLine($"Sampling one token, vocabulary {D(s, "vocab"):F0}: greedy native {D(s, "native_greedy_us"):F0} µs, managed {D(s, "managed_greedy_us"):F0} µs; " +
                          $"temperature + top-k 40 + top-p + min-p native {D(s, "native_topk_us"):F0} µs, managed {D(s, "managed_topk_us"):F0} µs; " +
                          $"tokenizing a {D(s, "tokenize_chars"):F0}-character prompt ({D(s, "tokenize_tokens"):F0} tokens) {D(s, "tokenize_us") / 1000:F1} ms");
    }

    if (sections.Contains("speed"))
    {
        // name -> best (prompt tok/s, decode tok/s, decode with the stream unread, prompt and decode tok per CPU-second)
        var best = new Dictionary<string, double[]>();
        void Keep(string name, double prompt, double decode, double quietDecode = 0, double promptCpu = 0, double decodeCpu = 0)
        {
            var b = best.TryGetValue(name, out var x) ? x : best[name] = new double[5];
            double[] now = [prompt, decode, quietDecode, promptCpu, decodeCpu];
            for (var i = 0; i < 5; i++) b[i] = Math.Max(b[i], now[i]);
        }
        void KeepChild(string name, JsonElement r) =>
            Keep(name, D(r, "prompt_tps"), D(r, "decode_tps"), D(r, "decode_quiet_tps"), D(r, "prompt_cpu_tps"), D(r, "decode_cpu_tps"));
        for (var round = 0; round < rounds; round++)
        {
            var seed = (100 + round).ToString(CultureInfo.InvariantCulture);
            foreach (var (lib, libPath) in libraries)
            {
                var with = new Dictionary<string, string>(common) { ["native"] = libPath, ["seed"] = seed };
                KeepChild($"raw 1-seq [{lib}]", Child("raw", with, ("seqs", "1")));
                KeepChild($"raw 16-seq [{lib}]", Child("raw", with, ("seqs", "16")));
                KeepChild($"engine [{lib}]", Child("engine", with));
                KeepChild($"engine, 6 idle cached [{lib}]", Child("engine", with, ("idle", "6")));
            }
            if (llamaBench is not null)
            {
                var (pp, tg) = Reference.Bench(llamaBench, model, threads, promptTokens, decodeTokens, 2);
                Keep("llama-bench", pp, tg);
            }
        }
        Console.WriteLine($"Single stream, tok/s, best of {rounds} rounds, each configuration in its own process (prompt {promptTokens}, decode {decodeTokens}):");
        static string Opt(double v) => v > 0 ? v.ToString("F1", CultureInfo.InvariantCulture) : "";
        Console.WriteLine($"  {"",-34} {"prompt",8} {"decode",8} {"unread",8} | per CPU-second: {"prompt",8} {"decode",8}");
        foreach (var (name, b) in best) Console.WriteLine($"  {name,-34} {b[0],8:F1} {b[1],8:F1} {Opt(b[2]),8} | {"",15} {Opt(b[3]),8} {Opt(b[4]),8}");
        foreach (var (lib, _) in libraries)
        {
            var e = best[$"engine [{lib}]"];
            var raw = new[] { best[$"raw 1-seq [{lib}]"], best[$"raw 16-seq [{lib}]"] };
            double rawPrompt = raw.Max(r => r[0]), rawDecode = raw.Max(r => r[1]);
            Console.WriteLine($"  [{lib}] engine / fastest raw LLamaSharp loop: prompt {e[0] / rawPrompt:F2}, decode {e[1] / rawDecode:F2} (unread {e[2] / rawDecode:F2}); " +
                              $"per CPU-second: prompt {e[3] / raw.Max(r => r[3]):F2}, decode {e[4] / raw.Max(r => r[4]):F2}");
            if (best.TryGetValue("llama-bench", out var lb))
                Console.WriteLine($"  [{lib}] engine / llama-bench:                 prompt {e[0] / lb[0]:F2}, decode {e[1] / lb[1]:F2} (unread {e[2] / lb[1]:F2}); raw loop / llama-bench: prompt {rawPrompt / lb[0]:F2}, decode {rawDecode / lb[1]:F2}");
        }
    }

    using var server = llamaServer is not null && (sections.Contains("ttft") || sections.Contains("concurrency"))
        ? new Reference.Server(llamaServer, model, threads, 8) : null;

    if (sections.Contains("ttft"))
    {
        // Time to first token over the turns of one conversation (+1 answer token and 60 new tokens a turn), with the
        // cache kept, against a full re-prefill and against llama-server's prompt cache; the same tokens for all.
        var reuse = new Dictionary<string, double[]>();
        double[]? full = null, srv = null;
        int[]? lengths = null;
        static double[] Min(double[]? a, IEnumerable<double> b) => a is null ? [.. b] : [.. a.Zip(b, Math.Min)];
        for (var round = 0; round < rounds; round++)
        {
            var seed = 200 + round;
            foreach (var (lib, libPath) in libraries)
            {
                var r = Child("ttft", new Dictionary<string, string>(common) { ["native"] = libPath, ["seed"] = seed.ToString(CultureInfo.InvariantCulture) }, ("turns", turns.ToString(CultureInfo.InvariantCulture)));
                reuse[lib] = Min(reuse.GetValueOrDefault(lib), r.GetProperty("reuse_ms").EnumerateArray().Select(x => x.GetDouble()));
                if (lib == "packaged") full = Min(full, r.GetProperty("full_ms").EnumerateArray().Select(x => x.GetDouble()));
                lengths = [.. r.GetProperty("prompt_tokens").EnumerateArray().Select(x => x.GetInt32())];
            }
            if (server is not null)
                srv = Min(srv, server.Ttft([.. Measure.Conversation(seed, promptTokens, turns).Select(p => p.Select(t => (int)t).ToArray())]));
        }
        Console.WriteLine($"Time to first token, turns 1-{turns} (prompt tokens {string.Join(" ", lengths!)}), ms, best of {rounds}:");
        foreach (var (lib, ms) in reuse) Console.WriteLine($"  engine, cache kept [{lib}]{new string(' ', Math.Max(0, 12 - lib.Length))} {Join(ms)}");
        Console.WriteLine($"  engine, full re-prefill [packaged] {Join(full!)}");
        if (srv is not null)
        {
            Console.WriteLine($"  llama-server, cache_prompt        {Join(srv)}");
            foreach (var (lib, ms) in reuse)
                Console.WriteLine($"  engine [{lib}] / llama-server     {string.Join(" ", ms.Zip(srv, (a, b) => (a / b).ToString("F2", CultureInfo.InvariantCulture).PadLeft(6)))}");
        }
    }

    if (sections.Contains("concurrency"))
    {
        Console.WriteLine($"Concurrent conversations (~100-token prompts, {decodeTokens} tokens each), generated tok/s incl. prefill time, best of {rounds}:");
        foreach (var n in concurrency)
        {
            var best = new Dictionary<string, double>();
            var cpuBest = new Dictionary<string, double>();
            void Keep(string name, double v) => best[name] = Math.Max(best.GetValueOrDefault(name), v);
            void KeepChild(string name, JsonElement r)
            {
                Keep(name, D(r, "tps"));
                cpuBest[name] = Math.Max(cpuBest.GetValueOrDefault(name), D(r, "cpu_tps"));
            }
            for (var round = 0; round < rounds; round++)
            {
                var seed = (300 + round).ToString(CultureInfo.InvariantCulture);
                foreach (var (lib, libPath) in libraries)
                {
                    var with = new Dictionary<string, string>(common) { ["native"] = libPath, ["seed"] = seed, ["n"] = n.ToString(CultureInfo.InvariantCulture) };
                    KeepChild($"engine [{lib}]", Child("concurrent", with));
                    if (lib == "packaged" && compareSampling) KeepChild("engine, native sampling (before) [packaged]", Child("concurrent", with, ("native-sampling", "1")));
                    KeepChild($"raw batch loop [{lib}]", Child("rawbatch", with));
                }
                if (server is not null)
                {
                    var rng = new Random(300 + round);
                    Keep("llama-server -np 8", server.Concurrent([.. Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, 100).Select(_ => rng.Next(3, 259)).ToArray())], decodeTokens));
                }
            }
            var line = string.Join("; ", best.Select(b => $"{b.Key} {b.Value:F1}"));
            var ratios = libraries.Select(l => $"engine [{l.Label}] / raw {best[$"engine [{l.Label}]"] / best[$"raw batch loop [{l.Label}]"]:F2}"
                + (best.TryGetValue("llama-server -np 8", out var s) ? $", / llama-server {best[$"engine [{l.Label}]"] / s:F2}" : ""));
            Console.WriteLine($"  {n} at once: {line}\n      {string.Join("; ", ratios)}");
            Console.WriteLine($"      per CPU-second of the process: {string.Join("; ", cpuBest.Select(b => $"{b.Key} {b.Value:F1}"))}");
        }
    }
}

static string Join(IEnumerable<double> ms) => string.Join(" ", ms.Select(x => x.ToString("F0", CultureInfo.InvariantCulture).PadLeft(6)));

static double D(JsonElement e, string key) => e.TryGetProperty(key, out var v) ? v.GetDouble() : 0;

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

static JsonElement Child(string kind, Dictionary<string, string> options, params (string Key, string Value)[] extra)
{
    var self = Environment.ProcessPath!;
    var psi = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    if (Path.GetFileNameWithoutExtension(self) == "dotnet")
    {
        psi.FileName = self;
        psi.ArgumentList.Add(typeof(Measure).Assembly.Location);
    }
    else psi.FileName = self;
    psi.ArgumentList.Add("child");
    psi.ArgumentList.Add(kind);
    foreach (var (k, v) in options.Concat(extra.Select(e => new KeyValuePair<string, string>(e.Key, e.Value))))
    {
        if (v.Length == 0) continue;
        psi.ArgumentList.Add("--" + k);
        psi.ArgumentList.Add(v);
    }
    using var p = Process.Start(psi)!;
    var stderr = p.StandardError.ReadToEndAsync();
    var stdout = p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    var line = stdout.Split('\n').LastOrDefault(l => l.StartsWith(Measure.ResultPrefix, StringComparison.Ordinal));
    if (p.ExitCode != 0 || line is null)
        throw new InvalidOperationException($"child {kind} failed ({p.ExitCode}): {stdout}\n{stderr.Result}");
    return JsonDocument.Parse(line[Measure.ResultPrefix.Length..]).RootElement.Clone();
}
