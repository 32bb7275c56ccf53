using System.Diagnostics;
using ChatAgent.Testing;

namespace ChatAgent.Web.Tests.Infrastructure;

/// <summary>
/// The real clients these tests drive (Chromium, Node and the npm packages). They are not downloaded by the tests:
/// when one is missing the test fails and says what to install, so CI can never pass by silently skipping them.
/// </summary>
internal static class WebTools
{
    public const string InstallChromium = "apt-get install -y chromium";
    public const string InstallNodeModules = "npm ci --prefix tests/ChatAgent.Web.Tests/node";

    /// <summary>Debian's Chromium; <c>CHATAGENT_CHROMIUM</c> points elsewhere on other systems.</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("CHATAGENT_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static string NodeFolder => Path.Combine(RepositoryPaths.Root, "tests", "ChatAgent.Web.Tests", "node");

    public static string NodeModules => Path.Combine(NodeFolder, "node_modules");

    public static string WebChatBundle => Path.Combine(NodeModules, "botframework-webchat", "dist", "webchat.js");

    /// <summary>Chromium's launch options measured to work here (no sandbox in containers, nothing phoning home).</summary>
    public static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

    public static string RequireChromium()
    {
        if (!File.Exists(ChromiumPath))
        {
            Assert.Fail($"Chromium not found at {ChromiumPath}. Install it with `{InstallChromium}` (Debian/Ubuntu) or set CHATAGENT_CHROMIUM to a Chromium executable.");
        }
        return ChromiumPath;
    }

    public static void RequireNodeModules()
    {
        string[] required = ["botframework-directlinejs", "botframework-webchat", "ws", "xhr2"];
        var missing = required.Where(p => !File.Exists(Path.Combine(NodeModules, p, "package.json"))).ToList();
        if (missing.Count > 0)
        {
            Assert.Fail($"npm packages missing under {NodeModules}: {string.Join(", ", missing)}. Install them with `{InstallNodeModules}` from the repository root (needs Node.js 20+).");
        }
    }

    public static string RequireWebChatBundle()
    {
        RequireNodeModules();
        if (!File.Exists(WebChatBundle))
        {
            Assert.Fail($"{WebChatBundle} is missing; reinstall with `{InstallNodeModules}`.");
        }
        return WebChatBundle;
    }

    /// <summary>Runs <c>node</c> with the arguments in <see cref="NodeFolder"/> and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string StdOut, string StdErr)> RunNodeAsync(TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = NodeFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Assert.Fail($"Node.js is needed for the Direct Line client test but `node` could not be started ({ex.Message}). Install Node.js 20+, then `{InstallNodeModules}`.");
            throw;
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"node {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:0} s. stderr: {await stderr}");
            }
            return (process.ExitCode, await stdout, await stderr);
        }
    }
}
