using System.Net;
using ChatAgent.Host.AgentConsole;
using ChatAgent.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.AgentConsole.Tests;

/// <summary>History, export and metrics on a host of their own, so the seeded conversations are the only ones.</summary>
public sealed class ReportTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private ChatAgentTestHost Host => fixture.Host;
    private const string Password = ConsoleClient.TestPassword;

    [Fact]
    public async Task Metrics_history_and_export_match_a_seeded_set_of_conversations()
    {
        await ConsoleClient.AddAccountAsync(Host, "dana", "Dana Lee", Password);
        await ConsoleClient.AddAccountAsync(Host, "boss", "Boss", Password, AgentRole.Admin);
        using var dana = new ConsoleClient(Host);
        await dana.SignInAsync("dana", Password);
        using var boss = new ConsoleClient(Host);
        await boss.SignInAsync("boss", Password);
        var desk = Host.Services.GetRequiredService<AgentDesk>();

        // Four conversations: two the bot finishes, two escalated for the same reason; Dana resolves one.
        var customers = new List<Customer>();
        for (var i = 0; i < 4; i++)
        {
            var customer = await Customer.StartAsync(Host, userId: $"seed_customer_{i}");
            await customer.SendAsync(i == 2 ? "my parcel is damaged" : $"question {i}");
            customers.Add(customer);
        }
        foreach (var escalated in customers.Skip(2))
        {
            await Customer.EscalateAsync(Host, escalated.ConversationId);
            await desk.RecordEscalationAsync(escalated.ConversationId, "damaged item", null, CancellationToken.None);
        }
        var resolvedPath = $"/agent/api/conversations/{customers[2].ConversationId}";
        await dana.PostOkAsync($"{resolvedPath}/claim");
        await dana.PostOkAsync($"{resolvedPath}/reply", new { text = "Sorry about that, a replacement is on its way." });
        await dana.PostOkAsync($"{resolvedPath}/resolve");
        Assert.True((await customers[2].SendEventAsync(AgentRatings.RatingEventName, new { stars = 4, comment = "fast" })).IsSuccessStatusCode);
        // The still-escalated conversation cannot be rated, so it adds nothing to the figures below.
        Assert.False((await customers[3].SendEventAsync(AgentRatings.RatingEventName, new { stars = 1 })).IsSuccessStatusCode);

        Assert.Equal(HttpStatusCode.Forbidden, (await dana.Http.GetAsync("/agent/api/metrics")).StatusCode);
        var metrics = await boss.GetOkAsync("/agent/api/metrics");
        Assert.Equal(4, metrics["conversations"]!.GetValue<int>());
        Assert.Equal(2, metrics["escalated"]!.GetValue<int>());
        Assert.Equal(0.5, metrics["escalationRate"]!.GetValue<double>());
        Assert.Equal(0.5, metrics["deflectionRate"]!.GetValue<double>());
        Assert.Equal(30, metrics["conversationsPerDay"]!.AsArray().Count);
        Assert.Equal(4, metrics["conversationsPerDay"]!.AsArray()[^1]!["conversations"]!.GetValue<int>());
        var reason = Assert.Single(metrics["escalationReasons"]!.AsArray());
        Assert.Equal("damaged item", reason!["reason"]!.GetValue<string>());
        Assert.Equal(2, reason["conversations"]!.GetValue<int>());
        var agent = Assert.Single(metrics["agents"]!.AsArray());
        Assert.Equal("dana", agent!["agent"]!.GetValue<string>());
        Assert.Equal(1, agent["resolved"]!.GetValue<int>());
        Assert.True(agent["averageFirstResponseSeconds"]!.GetValue<double>() >= 0);
        Assert.True(agent["averageResolutionSeconds"]!.GetValue<double>() >= agent["averageFirstResponseSeconds"]!.GetValue<double>());
        Assert.Equal(1, agent["rated"]!.GetValue<int>());
        Assert.Equal(4, agent["averageRating"]!.GetValue<double>());
        var ratings = metrics["ratings"]!;
        Assert.Equal(1, ratings["count"]!.GetValue<int>());
        Assert.Equal(4, ratings["average"]!.GetValue<double>());
        Assert.Equal([1, 2, 3, 4, 5], ratings["distribution"]!.AsArray().Select(d => d!["stars"]!.GetValue<int>()));
        Assert.Equal([0, 0, 0, 1, 0], ratings["distribution"]!.AsArray().Select(d => d!["ratings"]!.GetValue<int>()));

        var escalatedNow = (await dana.GetOkAsync("/agent/api/history?status=escalated")).AsArray();
        Assert.Equal(customers[3].ConversationId, Assert.Single(escalatedNow)!["conversationId"]!.GetValue<string>());
        var byText = (await dana.GetOkAsync("/agent/api/history?q=PARCEL")).AsArray();
        Assert.Equal(customers[2].ConversationId, Assert.Single(byText)!["conversationId"]!.GetValue<string>());
        var byReason = (await dana.GetOkAsync("/agent/api/history?reason=damaged")).AsArray();
        Assert.Equal(2, byReason.Count);
        Assert.Equal(4, byReason.Single(h => h!["conversationId"]!.GetValue<string>() == customers[2].ConversationId)!["rating"]!.GetValue<int>());
        Assert.Null(byReason.Single(h => h!["conversationId"]!.GetValue<string>() == customers[3].ConversationId)!["rating"]);
        Assert.Equal(4, (await dana.GetOkAsync("/agent/api/history?customer=seed_customer")).AsArray().Count);
        Assert.Equal(HttpStatusCode.BadRequest, (await dana.Http.GetAsync("/agent/api/history?status=bogus")).StatusCode);

        var text = await dana.Http.GetAsync($"{resolvedPath}/export?format=text");
        Assert.Equal("text/plain", text.Content.Headers.ContentType!.MediaType);
        var transcript = await text.Content.ReadAsStringAsync();
        Assert.Contains("Customer: my parcel is damaged", transcript);
        Assert.Contains("Dana Lee (agent): Sorry about that, a replacement is on its way.", transcript);
        Assert.Contains("Customer rating: 4/5 \"fast\"", transcript);
        var json = await dana.GetOkAsync($"{resolvedPath}/export?format=json");
        Assert.Contains(json["activities"]!.AsArray(), a => a!["text"]?.GetValue<string>() == "my parcel is damaged");
        Assert.Equal("resolved", json["case"]!["outcome"]!.GetValue<string>());
        Assert.Equal(4, json["case"]!["rating"]!.GetValue<int>());

        foreach (var c in customers)
        {
            c.Dispose();
        }
    }
}
