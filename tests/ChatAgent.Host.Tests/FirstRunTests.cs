using System.Diagnostics;
using System.Text;
using ChatAgent.Testing;

namespace ChatAgent.Host.Tests;

/// <summary>
/// What a shop owner sees running the host from a terminal: a banner with the URLs and the next step, a wrong
/// setting as one line naming the key (no stack trace), and Ctrl+C (SIGTERM here) that ends within the drain time.
/// </summary>
public sealed class FirstRunTests
{
    private sealed record Run(Process Process, StringBuilder StdOut, StringBuilder StdErr) : IDisposable
    {
        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
            }
            Process.Dispose();
        }
    }

    private static Run Start(params string[] settings)
    {
        var data = Directory.CreateTempSubdirectory("chatagent-firstrun-").FullName;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryPaths.Root,
        };
        foreach (var arg in new[] { RepositoryPaths.HostAssembly, "serve", "--urls", "http://127.0.0.1:0",
                     $"--Hosting:DataDirectory={data}", $"--ConnectionStrings:ChatAgent=Data Source={Path.Combine(data, "chatagent.db")}",
                     "--Shop:SeedDemoData=false", "--Orchestrator:Enabled=false" }.Concat(settings))
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var run = new Run(process, new StringBuilder(), new StringBuilder());
        process.OutputDataReceived += (_, e) => { lock (run.StdOut) { run.StdOut.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (run.StdErr) { run.StdErr.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return run;
    }

    [Fact]
    public async Task A_wrong_setting_stops_the_host_with_one_line_naming_the_key()
    {
        using var run = Start("--Shop:Currency=EURO");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        await run.Process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, run.Process.ExitCode);
        var lines = run.StdErr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("Configuration error:", line);
        Assert.Contains("Shop:Currency", line);
        Assert.DoesNotContain("   at ", run.StdErr.ToString() + run.StdOut.ToString());
    }

    [Fact]
    public async Task The_host_prints_where_to_go_and_stops_within_the_drain_time()
    {
        using var run = Start("--Conversations:ShutdownDrainSeconds=2");
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while (!run.StdOut.ToString().Contains("Press Ctrl+C to stop.", StringComparison.Ordinal))
        {
            Assert.False(run.Process.HasExited, "the host exited: " + run.StdErr);
            Assert.True(DateTime.UtcNow < deadline, "no banner within 180 s: " + run.StdOut);
            await Task.Delay(200);
        }
        var banner = run.StdOut.ToString();
        Assert.Matches(@"Shop with the chat widget\s+http://127\.0\.0\.1:\d+/", banner);
        Assert.Matches(@"Agent console\s+http://127\.0\.0\.1:\d+/agent", banner);
        Assert.Matches(@"Health\s+http://127\.0\.0\.1:\d+/health", banner);
        Assert.Contains("agents add", banner);

        // What Ctrl+C does (SIGINT) or a service manager (SIGTERM): the host stops within drain + a little.
        var stopwatch = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", run.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await run.Process.WaitForExitAsync(timeout.Token);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2 + 3 + 10), $"stopping took {stopwatch.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(0, run.Process.ExitCode);
    }
}
