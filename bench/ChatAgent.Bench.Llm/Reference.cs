using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ChatAgent.Bench.Llm;

/// <summary>
/// llama.cpp's own tools as the reference: <c>llama-bench</c> for single-stream prompt and decode speed,
/// <c>llama-server</c> (driven over HTTP) for concurrent conversations and time to first token with its prompt cache.
/// Found on the PATH, or given by the environment variables <c>LLAMA_BENCH</c> / <c>LLAMA_SERVER</c>.
/// </summary>
internal static class Reference
{
    public static string? Find(string envVar, string exe)
    {
        if (Environment.GetEnvironmentVariable(envVar) is { Length: > 0 } given)
            return File.Exists(given) ? Path.GetFullPath(given) : throw new FileNotFoundException($"{envVar}={given} does not exist");
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, exe);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>llama-bench pp{prompt} and tg{decode}, best of its repetitions (avg_ts over them).</summary>
    public static (double PromptTps, double DecodeTps) Bench(string exe, string model, int threads, int prompt, int decode, int reps)
    {
        var args = $"-m \"{model}\" -t {threads} -p {prompt} -n {decode} -r {reps} -o json";
        var psi = new ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var json = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"llama-bench failed ({p.ExitCode}): {stderr.Result}");
        double pp = 0, tg = 0;
        foreach (var test in JsonNode.Parse(json)!.AsArray())
        {
            var ts = test!["avg_ts"]!.GetValue<double>();
            if (test["n_prompt"]!.GetValue<int>() > 0) pp = ts;
            else if (test["n_gen"]!.GetValue<int>() > 0) tg = ts;
        }
        return (pp, tg);
    }

    /// <summary>A running llama-server with <c>-np 8</c> on a free local port.</summary>
    public sealed class Server : IDisposable
    {
        private readonly Process _process;
        private readonly HttpClient _http;

        public Server(string exe, string model, int threads, int parallel)
        {
            var port = FreePort();
            var log = Path.Combine(Path.GetTempPath(), $"chatagent-bench-llama-server-{Environment.ProcessId}.log");
            var args = $"-m \"{model}\" -t {threads} -tb {threads} -c 8192 -np {parallel} --host 127.0.0.1 --port {port} --no-webui --log-file \"{log}\"";
            _process = Process.Start(new ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
            _process.OutputDataReceived += (_, _) => { };
            _process.ErrorDataReceived += (_, _) => { };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromMinutes(10) };
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                if (_process.HasExited) throw new InvalidOperationException($"llama-server exited ({_process.ExitCode}); see {log}");
                try
                {
                    if (_http.GetAsync("health").GetAwaiter().GetResult().StatusCode == HttpStatusCode.OK) break;
                }
                catch (HttpRequestException) { }
                if (deadline.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException($"llama-server did not become healthy; see {log}");
                Thread.Sleep(200);
            }
        }

        private static int FreePort()
        {
            using var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            return ((IPEndPoint)l.LocalEndpoint).Port;
        }

        private async Task<(int Tokens, double Ms)> CompleteAsync(IReadOnlyList<int> prompt, int nPredict, int slot)
        {
            var body = new Dictionary<string, object>
            {
                ["prompt"] = prompt, ["n_predict"] = nPredict, ["temperature"] = 0, ["cache_prompt"] = true, ["ignore_eos"] = true,
            };
            if (slot >= 0) body["id_slot"] = slot;
            var sw = Stopwatch.StartNew();
            using var response = await _http.PostAsJsonAsync("completion", body);
            var json = await response.Content.ReadFromJsonAsync<JsonElement>();
            var ms = sw.Elapsed.TotalMilliseconds;
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"llama-server /completion: {response.StatusCode} {json}");
            return (json.GetProperty("tokens_predicted").GetInt32(), ms);
        }

        /// <summary>n conversations at once: ~100-token prompts, <paramref name="decode"/> tokens each; generated tok/s.</summary>
        public double Concurrent(IReadOnlyList<int[]> prompts, int decode)
        {
            CompleteAsync([1, 2, 3, 4], 2, 0).GetAwaiter().GetResult(); // warm-up
            var sw = Stopwatch.StartNew();
            var results = Task.WhenAll(prompts.Select(p => CompleteAsync(p, decode, -1))).GetAwaiter().GetResult();
            return results.Sum(r => r.Tokens) / sw.Elapsed.TotalSeconds;
        }

        /// <summary>Time to first token (n_predict 1, prompt cache on, one slot) over the turns of one conversation.</summary>
        public List<double> Ttft(IReadOnlyList<int[]> turns)
        {
            var ms = new List<double>();
            foreach (var prompt in turns) ms.Add(CompleteAsync(prompt, 1, 0).GetAwaiter().GetResult().Ms);
            return ms;
        }

        public void Dispose()
        {
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            _process.WaitForExit();
            _process.Dispose();
            _http.Dispose();
        }
    }

    internal static string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
}
