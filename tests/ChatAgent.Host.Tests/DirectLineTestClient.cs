using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Testing;

namespace ChatAgent.Host.Tests;

/// <summary>A minimal Direct Line client over raw HTTP and WebSocket, to check the wire format itself.</summary>
internal sealed class DirectLineTestClient : IAsyncDisposable
{
    private readonly HttpClient _http;
    private ClientWebSocket? _socket;

    private DirectLineTestClient(HttpClient http, string conversationId, string token, string streamUrl)
    {
        _http = http;
        ConversationId = conversationId;
        Token = token;
        StreamUrl = streamUrl;
    }

    public string ConversationId { get; }
    public string Token { get; }
    public string StreamUrl { get; }
    public HttpClient Http => _http;

    public static async Task<DirectLineTestClient> StartAsync(ChatAgentTestHost host, string? userId = null)
    {
        var session = await host.StartDirectLineAsync(userId);
        return new DirectLineTestClient(session.Http, session.ConversationId, session.Token, session.StreamUrl);
    }

    public async Task<string> SendAsync(string text, string? clientActivityId = null)
    {
        var response = await _http.PostAsync($"/v3/directline/conversations/{ConversationId}/activities", Json(new
        {
            type = "message",
            text,
            from = new { id = "customer-1", name = "Customer" },
            channelData = new { clientActivityID = clientActivityId ?? Guid.NewGuid().ToString("N") },
        }));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
    }

    public async Task<(List<Activity> Activities, string Watermark)> GetActivitiesAsync(string? watermark = null)
    {
        var response = await _http.GetAsync($"/v3/directline/conversations/{ConversationId}/activities" + (watermark is null ? "" : $"?watermark={watermark}"));
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadAsStringAsync();
        var set = JsonNode.Parse(json)!;
        var activities = set["activities"]!.AsArray().Select(a => ActivityJson.Deserialize(a!.ToJsonString())).ToList();
        return (activities, set["watermark"]!.GetValue<string>());
    }

    /// <summary>Polls until a bot message replying to <paramref name="activityId"/> is stored.</summary>
    public async Task<Activity> WaitForReplyAsync(string activityId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            var (activities, _) = await GetActivitiesAsync();
            var reply = activities.FirstOrDefault(a => a.Type == ActivityTypes.Message && a.ReplyToId == activityId && a.From?.Role == RoleTypes.Bot);
            if (reply is not null)
            {
                return reply;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"No reply to {activityId}.");
    }

    public async Task ConnectStreamAsync(string? url = null)
    {
        _socket = new ClientWebSocket();
        await _socket.ConnectAsync(new Uri(url ?? StreamUrl), CancellationToken.None);
    }

    /// <summary>Reads stream frames until <paramref name="done"/> says enough; returns every activity received.</summary>
    public async Task<List<(Activity Activity, string? Watermark)>> ReadStreamUntilAsync(Func<List<(Activity Activity, string? Watermark)>, bool> done, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        var received = new List<(Activity, string?)>();
        var buffer = new byte[64 * 1024];
        while (!done(received))
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult result;
            do
            {
                result = await _socket!.ReceiveAsync(buffer, cts.Token);
                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                break;
            }
            if (message.Length == 0)
            {
                continue; // keep-alive
            }
            var frame = JsonNode.Parse(Encoding.UTF8.GetString(message.ToArray()))!;
            var watermark = frame["watermark"]?.GetValue<string>();
            foreach (var a in frame["activities"]!.AsArray())
            {
                received.Add((ActivityJson.Deserialize(a!.ToJsonString()), watermark));
            }
        }
        return received;
    }

    public static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

    public async ValueTask DisposeAsync()
    {
        if (_socket is { State: WebSocketState.Open })
        {
            await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }
        _socket?.Dispose();
        _http.Dispose();
    }
}
