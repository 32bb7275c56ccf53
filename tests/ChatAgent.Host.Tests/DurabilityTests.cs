using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatAgent.Testing;

namespace ChatAgent.Host.Tests;

/// <summary>Every message a customer sends is stored before it is acknowledged; a crash loses nothing.</summary>
public sealed class DurabilityTests
{
    private const string Secret = "durability-secret-0123456789abcdef";

    [Fact]
    public async Task Acknowledged_activities_survive_a_SIGKILL_on_SQLite()
    {
        var folder = Directory.CreateTempSubdirectory("chatagent-durability-").FullName;
        try
        {
            await AssertSurvivesKillAsync(new Dictionary<string, string>
            {
                ["Database:Provider"] = "Sqlite",
                ["ConnectionStrings:ChatAgent"] = $"Data Source={Path.Combine(folder, "chatagent.db")}",
            });
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Acknowledged_activities_survive_a_SIGKILL_on_PostgreSQL()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await AssertSurvivesKillAsync(new Dictionary<string, string>
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:ChatAgent"] = database.ConnectionString,
        });
    }

    private static async Task AssertSurvivesKillAsync(Dictionary<string, string> settings)
    {
        settings["DirectLine:Secret"] = Secret;
        settings["DirectLine:MessagesPerMinute"] = "100000";
        // A transport test: the placeholder echo bot answers every message (the orchestrator would hand repeated nonsense to a person).
        settings["Orchestrator:Enabled"] = "false";
        const int conversations = 4, messagesEach = 20;
        var acknowledged = new ConcurrentDictionary<string, ConcurrentQueue<string>>();

        await using (var first = await ChatAgentProcess.StartAsync(settings))
        {
            using var http = new HttpClient { BaseAddress = new Uri(first.BaseUrl) };
            await Task.WhenAll(Enumerable.Range(0, conversations).Select(async _ =>
            {
                var (conversationId, token) = await StartConversationAsync(http);
                var ids = acknowledged.GetOrAdd(conversationId, _ => new ConcurrentQueue<string>());
                for (var i = 0; i < messagesEach; i++)
                {
                    using var post = new HttpRequestMessage(HttpMethod.Post, $"/v3/directline/conversations/{conversationId}/activities")
                    {
                        Content = JsonContent.Create(new { type = "message", text = $"message {i}", from = new { id = "durable-customer" } }),
                    };
                    post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                    var response = await http.SendAsync(post);
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    ids.Enqueue((await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>());
                }
            }));
            await first.KillAsync();   // right after the last acknowledgement, with bot turns still running
        }

        await using var second = await ChatAgentProcess.StartAsync(settings);
        using var admin = new HttpClient { BaseAddress = new Uri(second.BaseUrl) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Secret);
        foreach (var (conversationId, ids) in acknowledged)
        {
            var stored = await ReadAllAsync(admin, conversationId);
            var storedIds = stored.Select(a => a["id"]!.GetValue<string>()).ToList();
            Assert.Equal(ids.ToList(), storedIds.Where(ids.Contains).ToList());   // all there, in the order acknowledged
            var sequences = storedIds.Select(id => long.Parse(id[(id.LastIndexOf('|') + 1)..])).ToList();
            Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);   // no gaps

            // Messages acknowledged but not yet answered when the process died are answered after the restart.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                var answered = (await ReadAllAsync(admin, conversationId))
                    .Where(a => a["type"]!.GetValue<string>() == "message" && a["from"]!["role"]!.GetValue<string>() == "bot")
                    .Select(a => a["replyToId"]!.GetValue<string>()).ToHashSet();
                if (ids.All(answered.Contains))
                {
                    break;
                }
                Assert.True(DateTime.UtcNow < deadline, $"{ids.Count(id => !answered.Contains(id))} acknowledged messages were never answered after the restart.");
                await Task.Delay(250);
            }
        }
    }

    private static async Task<(string ConversationId, string Token)> StartConversationAsync(HttpClient http)
    {
        using var generate = new HttpRequestMessage(HttpMethod.Post, "/v3/directline/tokens/generate");
        generate.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Secret);
        var token = (await (await http.SendAsync(generate)).Content.ReadFromJsonAsync<JsonObject>())!["token"]!.GetValue<string>();
        using var start = new HttpRequestMessage(HttpMethod.Post, "/v3/directline/conversations");
        start.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var conversation = (await (await http.SendAsync(start)).Content.ReadFromJsonAsync<JsonObject>())!;
        return (conversation["conversationId"]!.GetValue<string>(), token);
    }

    private static async Task<List<JsonNode>> ReadAllAsync(HttpClient admin, string conversationId)
    {
        var set = await admin.GetFromJsonAsync<JsonObject>($"/v3/directline/conversations/{conversationId}/activities");
        return [.. set!["activities"]!.AsArray().Select(a => a!)];
    }
}
