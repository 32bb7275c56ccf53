using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Store;
using ChatAgent.Shop;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.Testing;

/// <summary>A customer of the seeded demo shop and one of their orders.</summary>
public sealed record DemoShopCustomer(string Id, string Email, string FirstName, string OrderId, string OrderStatus);

/// <summary>The real orchestrator on a small seeded demo shop, in no-model mode (no <c>Model:Path</c>, no endpoint).</summary>
public static class DemoShopTesting
{
    /// <summary>Settings for a host whose bot is the real orchestrator over a small demo shop seeded on its fresh database.</summary>
    public static Dictionary<string, string?> Settings() => new()
    {
        ["Shop:SeedDemoData"] = "true",
        ["Shop:DemoCustomers"] = "30",
        ["Orchestrator:Enabled"] = "true",
        ["Orchestrator:PromptsPath"] = Path.Combine(RepositoryPaths.Root, "prompts"),
        ["Orchestrator:KnowledgePath"] = Path.Combine(RepositoryPaths.Root, "knowledge"),
        ["Model:Path"] = "",
    };

    /// <summary>A customer with an order in <paramref name="status"/> (the <paramref name="skip"/>-th such order by id).</summary>
    public static async Task<DemoShopCustomer> CustomerWithOrderAsync(ChatAgentTestHost host, OrderStatus status, int skip = 0)
    {
        var factory = host.Services.GetRequiredService<IDbContextFactory<ShopDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var order = await db.Orders.AsNoTracking().Include(o => o.Customer).Where(o => o.Status == status).OrderBy(o => o.Id).Skip(skip).FirstAsync();
        return new DemoShopCustomer(order.CustomerId, order.Customer!.Email, order.Customer.FirstName, order.Id, order.Status.ToDisplay());
    }

    /// <summary>Waits until the bot has finished its turn for a stored customer message (its pending flag is cleared).</summary>
    public static async Task WaitForTurnAsync(ChatAgentTestHost host, string conversationId, string activityId, TimeSpan? timeout = null)
    {
        var store = host.Services.GetRequiredService<ConversationStore>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while ((await store.GetPendingTurnsAsync(conversationId, CancellationToken.None)).Any(p => p.Activity.Id == activityId))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The bot did not finish its turn for {activityId} in {conversationId}.");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>Waits until no customer message of the conversation is waiting for the bot.</summary>
    public static async Task WaitForTurnsAsync(ChatAgentTestHost host, string conversationId, TimeSpan? timeout = null)
    {
        var store = host.Services.GetRequiredService<ConversationStore>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while ((await store.GetPendingTurnsAsync(conversationId, CancellationToken.None)).Count > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The bot did not finish its turns in {conversationId}.");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>The whole stored transcript of a conversation, oldest first.</summary>
    public static async Task<IReadOnlyList<Activity>> TranscriptAsync(ChatAgentTestHost host, string conversationId) =>
        (await host.Services.GetRequiredService<ConversationStore>().GetActivitiesAsync(conversationId, 0, 10_000, CancellationToken.None))
            .Select(s => s.Activity).ToList();
}

/// <summary>A customer on Direct Line (token from the secret, then REST): send a message, get the bot's answers to it.</summary>
public sealed class DirectLineChat : IDisposable
{
    private readonly ChatAgentTestHost _host;
    private readonly HttpClient _http;

    private DirectLineChat(ChatAgentTestHost host, HttpClient http, string conversationId)
    {
        _host = host;
        _http = http;
        ConversationId = conversationId;
    }

    public string ConversationId { get; }

    public static async Task<DirectLineChat> StartAsync(ChatAgentTestHost host)
    {
        var session = await host.StartDirectLineAsync();
        return new DirectLineChat(host, session.Http, session.ConversationId);
    }

    /// <summary>Sends a message and returns the bot's stored messages in answer to it, once its turn is over.</summary>
    public async Task<IReadOnlyList<Activity>> AskAsync(string text)
    {
        using var response = await _http.PostAsync($"/v3/directline/conversations/{ConversationId}/activities", new StringContent(
            JsonSerializer.Serialize(new { type = "message", text, from = new { id = "customer", name = "Customer" } }), Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        var id = (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        await DemoShopTesting.WaitForTurnAsync(_host, ConversationId, id);
        return (await DemoShopTesting.TranscriptAsync(_host, ConversationId))
            .Where(a => a.Type == ActivityTypes.Message && a.ReplyToId == id && a.From?.Role == RoleTypes.Bot).ToList();
    }

    public void Dispose() => _http.Dispose();
}
