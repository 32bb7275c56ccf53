using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Store;
using ChatAgent.Orchestration.State;
using ChatAgent.Shop;
using ChatAgent.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.Orchestration.Tests;

/// <summary>A Direct Line conversation against the real host: send a message, wait for the bot's answer.</summary>
internal sealed class Chat(ChatAgentTestHost host, HttpClient http, string conversationId) : IAsyncDisposable
{
    public string ConversationId { get; } = conversationId;

    public static async Task<Chat> StartAsync(ChatAgentTestHost host)
    {
        var session = await host.StartDirectLineAsync();
        return new Chat(host, session.Http, session.ConversationId) { StreamUrl = new Uri(session.StreamUrl) };
    }

    /// <summary>The conversation's Direct Line WebSocket (the token rides in its query).</summary>
    public Uri StreamUrl { get; private init; } = null!;

    public async Task<string> SendAsync(string text)
    {
        var response = await http.PostAsync($"/v3/directline/conversations/{ConversationId}/activities", new StringContent(JsonSerializer.Serialize(new
        {
            type = "message",
            text,
            from = new { id = "customer", name = "Customer" },
        }), Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
    }

    /// <summary>Sends a message and returns the bot's last message in answer to it (the turn is finished when this returns).</summary>
    public async Task<Activity> AskAsync(string text, TimeSpan? timeout = null)
    {
        var id = await SendAsync(text);
        return await WaitForAnswerAsync(id, timeout);
    }

    public async Task<Activity> WaitForAnswerAsync(string activityId, TimeSpan? timeout = null)
    {
        var store = host.Services.GetRequiredService<ConversationStore>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            // The turn is over when the customer's message is no longer pending; then every answer is stored.
            var pending = await store.GetPendingTurnsAsync(ConversationId, CancellationToken.None);
            if (pending.All(p => p.Activity.Id != activityId))
            {
                var all = await ActivitiesAsync();
                var answer = all.LastOrDefault(a => a.Type == ActivityTypes.Message && a.ReplyToId == activityId && a.From?.Role == RoleTypes.Bot);
                return answer ?? throw new InvalidOperationException($"The turn of {activityId} finished without a bot message. Transcript:\n"
                    + string.Join("\n", all.Select(a => $"{a.Id} {a.Type} {a.Name} {a.From?.Role} reply-to {a.ReplyToId}: {a.Text}")));
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"No answer to {activityId}.");
    }

    /// <summary>The whole stored transcript, internal events and flow state included (what agents and the bot see).</summary>
    public async Task<List<Activity>> ActivitiesAsync() =>
        [.. (await host.Services.GetRequiredService<ConversationStore>().GetActivitiesAsync(ConversationId, 0, 10_000, CancellationToken.None)).Select(s => s.Activity)];

    /// <summary>What the customer's Direct Line client receives.</summary>
    public async Task<List<Activity>> CustomerActivitiesAsync()
    {
        var response = await http.GetAsync($"/v3/directline/conversations/{ConversationId}/activities");
        response.EnsureSuccessStatusCode();
        var set = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return set["activities"]!.AsArray().Select(a => ActivityJson.Deserialize(a!.ToJsonString())).ToList();
    }

    public async Task<List<JsonObject>> ToolEventsAsync() =>
        (await ActivitiesAsync()).Where(a => a.Type == ActivityTypes.Event && a.Name == TranscriptEvents.Tool).Select(a => (JsonObject)a.Value!).ToList();

    public async Task<ConversationStatus> StatusAsync() =>
        (await host.Services.GetRequiredService<ConversationStore>().FindConversationAsync(ConversationId, CancellationToken.None))!.Status;

    public ValueTask DisposeAsync()
    {
        http.Dispose();
        return ValueTask.CompletedTask;
    }
}

internal static class ShopData
{
    /// <summary>The host indexes the catalogue in the background after start-up; waits until a search finds products.</summary>
    public static async Task WaitForCatalogIndexAsync(ChatAgentTestHost host)
    {
        var search = host.Services.GetRequiredService<ChatAgent.Shop.Search.ProductSearchService>();
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while ((await search.SearchAsync(new ChatAgent.Shop.Search.ProductSearchRequest("shirt", Limit: 1))).Hits.Count == 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The catalogue was not indexed within 2 minutes.");
            }
            await Task.Delay(250);
        }
    }

    public static Task<DemoShopCustomer> CustomerWithOrderAsync(ChatAgentTestHost host, OrderStatus status, int skip = 0) =>
        DemoShopTesting.CustomerWithOrderAsync(host, status, skip);

    public static async Task<OrderStatus> OrderStatusAsync(ChatAgentTestHost host, string orderId)
    {
        var factory = host.Services.GetRequiredService<IDbContextFactory<ShopDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        return (await db.Orders.AsNoTracking().FirstAsync(o => o.Id == orderId)).Status;
    }

    public static async Task<List<string>> OrderIdsOfOtherCustomerAsync(ChatAgentTestHost host, string customerId)
    {
        var factory = host.Services.GetRequiredService<IDbContextFactory<ShopDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        return await db.Orders.AsNoTracking().Where(o => o.CustomerId != customerId).OrderBy(o => o.Id).Select(o => o.Id).Take(1).ToListAsync();
    }
}

/// <summary>Settings every orchestration host test uses: a small demo shop, fast streaming, lenient limits.</summary>
internal static class TestSettings
{
    public static Dictionary<string, string?> Base(params (string Key, string? Value)[] extra)
    {
        // These conversations need a shop: the shared small demo store, seeded on the test's fresh database.
        var settings = DemoShopTesting.Settings();
        settings["Shop:MaxVerificationAttempts"] = "3";
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }
        return settings;
    }
}
