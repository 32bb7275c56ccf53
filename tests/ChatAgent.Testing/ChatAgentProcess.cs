using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ChatAgent.Testing;

/// <summary>
/// The host as its own process (<c>dotnet chatagent.dll serve</c>), for what only a real process shows: being killed
/// with SIGKILL and started again.
/// </summary>
public sealed class ChatAgentProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ChatAgentProcess(Process process, string baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public static async Task<ChatAgentProcess> StartAsync(IDictionary<string, string> settings, int? port = null)
    {
        port ??= FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryPaths.Root,
        };
        start.ArgumentList.Add(RepositoryPaths.HostAssembly);
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(baseUrl);
        var all = new Dictionary<string, string> { ["Shop:SeedDemoData"] = "false" };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }
        foreach (var (key, value) in all)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }
        start.Environment["Logging__LogLevel__Default"] = "Warning";

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The host exited with {process.ExitCode}:\n{output}");
            }
            try
            {
                var health = await http.GetAsync($"{baseUrl}/health");
                if (health.StatusCode == HttpStatusCode.OK)
                {
                    return new ChatAgentProcess(process, baseUrl);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            await Task.Delay(200);
        }
        process.Kill(entireProcessTree: true);
        throw new TimeoutException($"The host did not become healthy within 180 s:\n{output}");
    }

    /// <summary>SIGKILL: no graceful shutdown, no flushing — what a crash or an OOM kill does.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }
        _process.Dispose();
    }
}
