using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Store;
using ChatAgent.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.AgentConsole.Tests;

/// <summary>A customer on Direct Line over plain HTTP (polling), holding only their own conversation token.</summary>
internal sealed class Customer : IDisposable
{
    private Customer(HttpClient http, string conversationId, string token)
    {
        Http = http;
        ConversationId = conversationId;
        Token = token;
    }

    public HttpClient Http { get; }
    public string ConversationId { get; }
    public string Token { get; }

    public static async Task<Customer> StartAsync(ChatAgentTestHost host, string? userId = null)
    {
        var session = await host.StartDirectLineAsync(userId);
        return new Customer(session.Http, session.ConversationId, session.Token);
    }

    public async Task<string> SendAsync(string text)
    {
        var json = JsonSerializer.Serialize(new { type = "message", text, from = new { id = "customer-1", name = "Customer" } });
        var response = await Http.PostAsync($"/v3/directline/conversations/{ConversationId}/activities", new StringContent(json, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
    }

    /// <summary>Posts an event activity (e.g. a rating) and returns the raw response, so refusals can be checked.</summary>
    public Task<HttpResponseMessage> SendEventAsync(string name, object? value)
    {
        var json = JsonSerializer.Serialize(new { type = "event", name, value, from = new { id = "customer-1", name = "Customer" } });
        return Http.PostAsync($"/v3/directline/conversations/{ConversationId}/activities", new StringContent(json, Encoding.UTF8, "application/json"));
    }

    public async Task<List<Activity>> ActivitiesAsync()
    {
        var set = JsonNode.Parse(await Http.GetStringAsync($"/v3/directline/conversations/{ConversationId}/activities"))!;
        return set["activities"]!.AsArray().Select(a => ActivityJson.Deserialize(a!.ToJsonString())).ToList();
    }

    public async Task<Activity> WaitForAsync(Func<Activity, bool> match, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if ((await ActivitiesAsync()).FirstOrDefault(match) is { } found)
            {
                return found;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The customer never saw {what}.");
    }

    /// <summary>What the orchestrator does when it hands over (set directly until it lands on main).</summary>
    public static Task EscalateAsync(ChatAgentTestHost host, string conversationId) =>
        host.Services.GetRequiredService<ConversationStore>().SetStatusAsync(conversationId, ConversationStatus.Escalated, CancellationToken.None);

    public void Dispose() => Http.Dispose();
}
