// Direct Line throughput and latency with a bot that answers at once, against a bare ASP.NET Core endpoint
// measured in the same run (the ceiling: HTTP alone, no store, no fan-out).
//   dotnet run -c Release --project bench/ChatAgent.Bench.DirectLine -- [--conversations 16] [--messages 25] [--postgres "<npgsql connection string>"]
using Stopwatch = System.Diagnostics.Stopwatch;
using Process = System.Diagnostics.Process;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Service;
using ChatAgent.Host.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var conversations = Argument("--conversations", 16);
var messages = Argument("--messages", 25);
var postgres = ArgumentText("--postgres");
const string secret = "bench-secret-0123456789abcdefghij";

Console.WriteLine($"Direct Line benchmark: {conversations} concurrent conversations x {messages} messages, {Environment.ProcessorCount} cores, {(postgres is null ? "SQLite" : "PostgreSQL")}");

// Ceiling: a bare endpoint that answers the post itself.
var bare = WebApplication.CreateSlimBuilder();
bare.WebHost.UseUrls("http://127.0.0.1:0");
bare.Logging.ClearProviders();
var bareApp = bare.Build();
bareApp.MapPost("/echo", async (HttpRequest request) =>
{
    var activity = await request.ReadFromJsonAsync<JsonObject>();
    return Results.Ok(new { id = Guid.NewGuid().ToString("N"), text = activity?["text"]?.ToString() });
});
await bareApp.StartAsync();
var bareUrl = Address(bareApp);
var bareResult = await RunAsync(conversations, messages, async (http, i) =>
{
    var response = await http.PostAsync(bareUrl + "/echo", Json(new { type = "message", text = $"m{i}" }));
    response.EnsureSuccessStatusCode();
    await response.Content.ReadAsStringAsync();
});
await bareApp.StopAsync();
Report("bare ASP.NET Core POST (ceiling)", bareResult);

// ChatAgent: post through Direct Line, the reply comes back on the conversation's WebSocket.
var dataDir = Directory.CreateTempSubdirectory("chatagent-bench-").FullName;
var app = ChatAgentApp.Create([], builder =>
{
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Urls"] = "http://127.0.0.1:0",
        ["DirectLine:Secret"] = secret,
        ["DirectLine:MessagesPerMinute"] = "1000000",
        ["Database:Provider"] = postgres is null ? "Sqlite" : "Postgres",
        ["ConnectionStrings:ChatAgent"] = postgres ?? $"Data Source={Path.Combine(dataDir, "bench.db")}",
        ["Logging:LogLevel:Default"] = "Warning",
        // The transport alone: no demo shop seeded and no catalogue embedded in the background while it is measured.
        ["Shop:SeedDemoData"] = "false",
        ["Search:IndexOnStart"] = "false",
        ["MicrosoftAppId"] = "",
    });
    builder.Services.AddSingleton<IBot, InstantBot>();
});
await ChatAgentApp.PrepareAsync(app, CancellationToken.None);
await app.StartAsync();
var url = Address(app);
GC.Collect();
var before = Process.GetCurrentProcess().WorkingSet64;

var sessions = new Session[conversations];
for (var c = 0; c < conversations; c++)
{
    sessions[c] = await Session.OpenAsync(url, secret);
}
var chatResult = await RunAsync(conversations, messages, async (_, i) => await sessions[i % conversations].RoundTripAsync($"m{i}"));
var after = Process.GetCurrentProcess().WorkingSet64;
Report("ChatAgent Direct Line post -> reply on WebSocket", chatResult);
Console.WriteLine($"ratio to ceiling: throughput {chatResult.PerSecond / bareResult.PerSecond:F2}x, p50 latency {chatResult.P50 / bareResult.P50:F1}x");
Console.WriteLine($"memory: working set {before / 1048576} MiB before the conversations, {after / 1048576} MiB after ({(after - before) / 1024.0 / conversations:F0} KiB per open conversation incl. its WebSocket), GC heap {GC.GetTotalMemory(false) / 1048576} MiB");
foreach (var s in sessions)
{
    await s.DisposeAsync();
}
await app.StopAsync();
Directory.Delete(dataDir, recursive: true);
return 0;

static async Task<Result> RunAsync(int conversations, int messages, Func<HttpClient, int, Task> roundTrip)
{
    using var http = new HttpClient();
    // Warm-up: JIT, connection pools, SQLite pages.
    await Task.WhenAll(Enumerable.Range(0, conversations).Select(c => roundTrip(http, c)));
    var latencies = new List<double>();
    var total = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, conversations).Select(async c =>
    {
        for (var m = 0; m < messages; m++)
        {
            var sw = Stopwatch.StartNew();
            await roundTrip(http, c);
            lock (latencies) { latencies.Add(sw.Elapsed.TotalMilliseconds); }
        }
    }));
    total.Stop();
    latencies.Sort();
    return new Result(latencies.Count / total.Elapsed.TotalSeconds, latencies[latencies.Count / 2], latencies[(int)(latencies.Count * 0.99)]);
}

static void Report(string name, Result r) =>
    Console.WriteLine($"{name,-50} {r.PerSecond,8:F0} msg/s   p50 {r.P50,7:F2} ms   p99 {r.P99,7:F2} ms");

static string Address(WebApplication app) =>
    app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');

static StringContent Json(object value) => new(System.Text.Json.JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

int Argument(string name, int fallback) => ArgumentText(name) is { } v ? int.Parse(v) : fallback;
string? ArgumentText(string name) { var i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }

record Result(double PerSecond, double P50, double P99);

/// <summary>Answers every message at once with one message: measures the pipeline, not a model.</summary>
sealed class InstantBot : IBot
{
    public Task OnTurnAsync(ITurnContext turn, CancellationToken cancellationToken) =>
        turn.SendAsync(new Activity { Text = "ok: " + turn.Activity.Text }, cancellationToken);
}

/// <summary>One Direct Line conversation with its WebSocket open; a round trip is post → the bot's reply on the stream.</summary>
sealed class Session : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly ClientWebSocket _socket;
    private readonly string _conversationId;
    private readonly byte[] _buffer = new byte[64 * 1024];

    private Session(HttpClient http, ClientWebSocket socket, string conversationId)
    {
        _http = http;
        _socket = socket;
        _conversationId = conversationId;
    }

    public static async Task<Session> OpenAsync(string url, string secret)
    {
        var http = new HttpClient { BaseAddress = new Uri(url) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        var start = await (await http.PostAsync("/v3/directline/conversations", null)).Content.ReadFromJsonAsync<JsonObject>();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", start!["token"]!.GetValue<string>());
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(start["streamUrl"]!.GetValue<string>()), CancellationToken.None);
        return new Session(http, socket, start["conversationId"]!.GetValue<string>());
    }

    public async Task RoundTripAsync(string text)
    {
        var response = await _http.PostAsync($"/v3/directline/conversations/{_conversationId}/activities",
            new StringContent("{\"type\":\"message\",\"text\":\"" + text + "\",\"from\":{\"id\":\"bench\"}}", Encoding.UTF8, "application/json"));
        var id = (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        while (true)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult result;
            do
            {
                result = await _socket.ReceiveAsync(_buffer, CancellationToken.None);
                message.Write(_buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);
            if (message.Length == 0)
            {
                continue;
            }
            var frame = JsonNode.Parse(message.ToArray())!;
            if (frame["activities"]!.AsArray().Any(a => a!["replyToId"]?.GetValue<string>() == id && a["type"]!.GetValue<string>() == "message"))
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        _socket.Dispose();
        _http.Dispose();
    }
}
