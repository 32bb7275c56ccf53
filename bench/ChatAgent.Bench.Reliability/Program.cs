// Reliability under a crash: many customers talk to a real host process (half over the WebSocket stream, half by
// polling), the process is SIGKILLed in the middle of the load and started again on the same database and port. Every
// acknowledged message must be stored (lost), answered (unanswered) and answered once (duplicated); reply latency is
// measured from the post to the moment the customer's client sees the answer (restart included).
//   dotnet run -c Release --project bench/ChatAgent.Bench.Reliability -- [--conversations 200] [--turns 20] [--postgres "<npgsql connection string>"] [--quick]
// --postgres: a server connection string; the bench creates its own database there and drops it at the end.
// --quick: 20 conversations x 5 turns (a smoke check). The bot is the built-in echo bot (Orchestrator:Enabled=false),
// which livestreams its reply: the path measured is the message path (store, turn scheduler, replies, streams).
using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.ServiceDefaults;
using ChatAgent.Testing;
using Stopwatch = System.Diagnostics.Stopwatch;

var quick = args.Contains("--quick");
var conversations = Argument("--conversations", quick ? 20 : 200);
var turns = Argument("--turns", quick ? 5 : 20);
var postgres = ArgumentText("--postgres");
const string secret = "reliability-secret-0123456789abcdef";

var folder = Directory.CreateTempSubdirectory("chatagent-reliability-").FullName;
// On PostgreSQL a fresh database of its own on that server, dropped at the end: the bench counts what it finds in the store.
var benchDatabase = "chatagent_reliability_" + Guid.NewGuid().ToString("N")[..12];
if (postgres is not null)
{
    await using var admin = new Npgsql.NpgsqlConnection(postgres);
    await admin.OpenAsync();
    await using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE {benchDatabase}", admin);
    await create.ExecuteNonQueryAsync();
}
using var database = postgres is null
    ? new ChatAgentDatabase(DatabaseProvider.Sqlite, $"Data Source={Path.Combine(folder, "chatagent.db")}")
    : new ChatAgentDatabase(DatabaseProvider.Postgres, new Npgsql.NpgsqlConnectionStringBuilder(postgres) { Database = benchDatabase }.ConnectionString);
var settings = new Dictionary<string, string>
{
    ["DirectLine:Secret"] = secret,
    ["DirectLine:MessagesPerMinute"] = "1000000",
    ["Orchestrator:Enabled"] = "false",
    ["Search:IndexOnStart"] = "false",
};
foreach (var (key, value) in database.Settings)
{
    settings[key] = value!;
}

Console.WriteLine($"Reliability benchmark: {conversations} conversations x {turns} turns ({conversations / 2} on the WebSocket, {conversations - conversations / 2} polling), SIGKILL + restart at half, {database.Provider}, {Environment.ProcessorCount} cores");
var port = ChatAgentProcess.FreePort();
var host = await ChatAgentProcess.StartAsync(settings, port);
var baseUrl = host.BaseUrl;

var customers = new List<Customer>();
using (var http = new HttpClient { BaseAddress = new Uri(baseUrl) })
{
    for (var c = 0; c < conversations; c++)
    {
        customers.Add(await Customer.StartAsync(http, baseUrl, secret, socket: c % 2 == 0));
    }
}

var total = conversations * turns;
var killedAt = TimeSpan.Zero;
var restartedAt = TimeSpan.Zero;
var clock = Stopwatch.StartNew();
var crash = Task.Run(async () =>
{
    while (customers.Sum(c => c.Acknowledged.Count) < total / 2)
    {
        await Task.Delay(20);
    }
    killedAt = clock.Elapsed;
    await host.KillAsync();
    await host.DisposeAsync();
    host = await ChatAgentProcess.StartAsync(settings, port);
    restartedAt = clock.Elapsed;
});
await Task.WhenAll(customers.Select(c => c.TalkAsync(turns, TimeSpan.FromSeconds(180))));
await crash;
var elapsed = clock.Elapsed;

// The store's view, once every turn had its chance: everything acknowledged is there, answered once.
int lost = 0, duplicated = 0, unanswered = 0, clientDuplicates = 0;
foreach (var customer in customers)
{
    var deadline = Stopwatch.StartNew();
    while ((await database.PendingTurnsAsync(customer.ConversationId)).Count > 0 && deadline.Elapsed < TimeSpan.FromSeconds(60))
    {
        await Task.Delay(200);
    }
    var transcript = await database.TranscriptAsync(customer.ConversationId);
    var stored = transcript.Select(a => a.Id).ToHashSet();
    var replies = transcript.Where(a => a.Type == ActivityTypes.Message && a.From?.Role == RoleTypes.Bot && a.ReplyToId is not null)
        .GroupBy(a => a.ReplyToId!).ToDictionary(g => g.Key, g => g.Count());
    foreach (var id in customer.Acknowledged)
    {
        if (!stored.Contains(id)) lost++;
        var count = replies.GetValueOrDefault(id);
        if (count == 0) unanswered++;
        if (count > 1) duplicated++;
    }
    clientDuplicates += customer.DuplicatesSeen;
}
await host.DisposeAsync();

var acknowledged = customers.Sum(c => c.Acknowledged.Count);
Console.WriteLine($"killed at {killedAt.TotalSeconds:F1} s, serving again {(restartedAt - killedAt).TotalSeconds:F1} s later; whole run {elapsed.TotalSeconds:F1} s");
Console.WriteLine($"messages: {acknowledged} acknowledged of {total}; {customers.Sum(c => c.PostRetries)} posts retried while the host was down");
Console.WriteLine($"lost (acknowledged, not stored): {lost}");
Console.WriteLine($"duplicated (more than one stored answer): {duplicated}; answers a client saw twice: {clientDuplicates}");
Console.WriteLine($"unanswered (no stored answer): {unanswered}; not seen by the client within 180 s: {customers.Sum(c => c.TimedOut)}");
Report("WebSocket", customers.Where(c => c.UsesSocket).SelectMany(c => c.Latencies).ToList());
Report("polling", customers.Where(c => !c.UsesSocket).SelectMany(c => c.Latencies).ToList());
Report("all", customers.SelectMany(c => c.Latencies).ToList());
Report("all, outside the crash window", customers.SelectMany(c => c.LatenciesOutside(killedAt, restartedAt + TimeSpan.FromSeconds(5))).ToList());
foreach (var customer in customers)
{
    await customer.DisposeAsync();
}
Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
Directory.Delete(folder, recursive: true);
if (postgres is not null)
{
    Npgsql.NpgsqlConnection.ClearAllPools();
    await using var admin = new Npgsql.NpgsqlConnection(postgres);
    await admin.OpenAsync();
    await using var drop = new Npgsql.NpgsqlCommand($"DROP DATABASE IF EXISTS {benchDatabase} WITH (FORCE)", admin);
    await drop.ExecuteNonQueryAsync();
}
return lost + duplicated + unanswered == 0 ? 0 : 1;

static void Report(string name, List<double> ms)
{
    if (ms.Count == 0)
    {
        Console.WriteLine($"reply latency {name,-32} no replies");
        return;
    }
    ms.Sort();
    double P(double q) => ms[Math.Min(ms.Count - 1, (int)(ms.Count * q))];
    Console.WriteLine($"reply latency {name,-32} n={ms.Count,5}  p50 {P(0.50),8:F0} ms  p90 {P(0.90),8:F0} ms  p99 {P(0.99),8:F0} ms  max {ms[^1],8:F0} ms");
}

int Argument(string name, int fallback) => ArgumentText(name) is { } v ? int.Parse(v) : fallback;
string? ArgumentText(string name) { var i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }

/// <summary>One customer: posts a message, waits until its client (WebSocket or polling) shows the answer, then the next.</summary>
sealed class Customer : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly string _streamUrl;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiting = new();
    private readonly ConcurrentDictionary<string, byte> _seen = new();
    private readonly ConcurrentDictionary<string, int> _answers = new();
    private readonly List<(double Ms, TimeSpan At)> _latencies = [];
    private long _watermark;
    private Task? _receiver;

    private Customer(HttpClient http, string conversationId, string streamUrl, bool socket)
    {
        _http = http;
        ConversationId = conversationId;
        _streamUrl = streamUrl;
        UsesSocket = socket;
    }

    public string ConversationId { get; }
    public bool UsesSocket { get; }
    public ConcurrentQueue<string> Acknowledged { get; } = new();
    public int PostRetries;
    public int TimedOut;
    public int DuplicatesSeen => _answers.Values.Count(v => v > 1);
    public IEnumerable<double> Latencies { get { lock (_latencies) { return _latencies.Select(l => l.Ms).ToList(); } } }

    /// <summary>Latencies of answers seen before <paramref name="from"/> or posted after <paramref name="to"/> (times since the load began).</summary>
    public IEnumerable<double> LatenciesOutside(TimeSpan from, TimeSpan to)
    {
        lock (_latencies)
        {
            return _latencies.Where(l => l.At < from || l.At - TimeSpan.FromMilliseconds(l.Ms) > to).Select(l => l.Ms).ToList();
        }
    }

    public static async Task<Customer> StartAsync(HttpClient admin, string baseUrl, string secret, bool socket)
    {
        using var generate = new HttpRequestMessage(HttpMethod.Post, "/v3/directline/tokens/generate");
        generate.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        var token = (await (await admin.SendAsync(generate)).Content.ReadFromJsonAsync<JsonObject>())!["token"]!.GetValue<string>();
        var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var start = (await (await http.PostAsync("/v3/directline/conversations", null)).Content.ReadFromJsonAsync<JsonObject>())!;
        return new Customer(http, start["conversationId"]!.GetValue<string>(), start["streamUrl"]!.GetValue<string>(), socket);
    }

    public async Task TalkAsync(int turns, TimeSpan replyTimeout)
    {
        var clock = Stopwatch.StartNew();
        _receiver = UsesSocket ? Task.Run(ReadStreamAsync) : Task.Run(PollAsync);
        for (var t = 0; t < turns; t++)
        {
            var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var sent = clock.Elapsed;
            var id = await PostAsync($"turn {t} of {ConversationId}");
            _waiting[id] = answered;
            if (_answers.ContainsKey(id))
            {
                answered.TrySetResult();
            }
            if (await Task.WhenAny(answered.Task, Task.Delay(replyTimeout)) != answered.Task)
            {
                Interlocked.Increment(ref TimedOut);
                continue;
            }
            lock (_latencies)
            {
                _latencies.Add(((clock.Elapsed - sent).TotalMilliseconds, clock.Elapsed));
            }
        }
    }

    private async Task<string> PostAsync(string text)
    {
        var clientId = Guid.NewGuid().ToString("N");
        while (true)
        {
            try
            {
                var response = await _http.PostAsync($"/v3/directline/conversations/{ConversationId}/activities", new StringContent(
                    new JsonObject { ["type"] = "message", ["text"] = text, ["from"] = new JsonObject { ["id"] = "customer" }, ["channelData"] = new JsonObject { ["clientActivityID"] = clientId } }.ToJsonString(),
                    Encoding.UTF8, "application/json"));
                if (response.IsSuccessStatusCode)
                {
                    var id = (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
                    Acknowledged.Enqueue(id);
                    return id;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // The host is down (killed, restarting): try again, as a client does.
            }
            Interlocked.Increment(ref PostRetries);
            await Task.Delay(250);
        }
    }

    private void Saw(JsonNode activity)
    {
        var id = activity["id"]?.GetValue<string>();
        if (id is null || activity["type"]?.GetValue<string>() != "message" || activity["from"]?["role"]?.GetValue<string>() != "bot" || !_seen.TryAdd(id, 0))
        {
            return;
        }
        if (activity["replyToId"]?.GetValue<string>() is { } replyTo)
        {
            _answers.AddOrUpdate(replyTo, 1, (_, n) => n + 1);
            if (_waiting.TryGetValue(replyTo, out var waiting))
            {
                waiting.TrySetResult();
            }
        }
    }

    private void Frame(JsonNode set)
    {
        foreach (var activity in set["activities"]?.AsArray() ?? [])
        {
            Saw(activity!);
        }
        if (long.TryParse(set["watermark"]?.GetValue<string>(), out var watermark) && watermark > _watermark)
        {
            _watermark = watermark;
        }
    }

    private async Task ReadStreamAsync()
    {
        var buffer = new byte[1 << 16];
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var socket = new ClientWebSocket();
                await socket.ConnectAsync(new Uri($"{_streamUrl}&watermark={_watermark}"), _stop.Token);
                while (socket.State == WebSocketState.Open)
                {
                    using var message = new MemoryStream();
                    WebSocketReceiveResult result;
                    do
                    {
                        result = await socket.ReceiveAsync(buffer, _stop.Token);
                        message.Write(buffer, 0, result.Count);
                    }
                    while (!result.EndOfMessage);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }
                    if (message.Length > 0)
                    {
                        Frame(JsonNode.Parse(message.ToArray())!);
                    }
                }
            }
            catch (Exception) when (!_stop.IsCancellationRequested)
            {
                // Dropped with the host: reconnect from the watermark, as Web Chat does.
            }
            catch (OperationCanceledException)
            {
                return;
            }
            await Task.Delay(250);
        }
    }

    private async Task PollAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                Frame((await _http.GetFromJsonAsync<JsonObject>($"/v3/directline/conversations/{ConversationId}/activities?watermark={_watermark}", _stop.Token))!);
            }
            catch (Exception) when (!_stop.IsCancellationRequested)
            {
                // The host is down: poll again.
            }
            catch (OperationCanceledException)
            {
                return;
            }
            await Task.Delay(250);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_receiver is not null)
        {
            try { await _receiver; } catch (OperationCanceledException) { }
        }
        _http.Dispose();
        _stop.Dispose();
    }
}
