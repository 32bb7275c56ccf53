using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Host.AgentConsole;
using ChatAgent.Testing;

namespace ChatAgent.AgentConsole.Tests;

public sealed class RatingTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private ChatAgentTestHost Host => fixture.Host;
    private const string Password = ConsoleClient.TestPassword;

    private Task<ConsoleClient> AgentAsync(string userName, string displayName, AgentRole role = AgentRole.Agent) =>
        ConsoleClient.SignedInAsync(Host, userName, displayName, role);

    private static async Task<Customer> EscalatedAsync(ChatAgentTestHost host, ConsoleClient agent, bool claim = true)
    {
        var customer = await Customer.StartAsync(host);
        await customer.SendAsync("a question about my parcel"); // not a hand-over phrase: the bot must not escalate it again later
        await Customer.EscalateAsync(host, customer.ConversationId);
        if (claim)
        {
            await agent.PostOkAsync($"/agent/api/conversations/{customer.ConversationId}/claim");
        }
        return customer;
    }

    private static async Task<(string Code, string Message)> ErrorOf(HttpResponseMessage response)
    {
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        return (body!["error"]!["code"]!.GetValue<string>(), body["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Resolving_asks_the_customer_for_a_rating_and_the_first_rating_is_stored_with_the_case()
    {
        using var agent = await AgentAsync("rating-agent", "Rita Rater");
        using var customer = await EscalatedAsync(Host, agent);
        var path = $"/agent/api/conversations/{customer.ConversationId}";
        await agent.PostOkAsync($"{path}/reply", new { text = "All sorted." });
        await agent.PostOkAsync($"{path}/resolve");

        var request = await customer.WaitForAsync(a => a.Type == ActivityTypes.Event && a.Name == AgentRatings.RequestEventName, "the rating request");
        Assert.Equal("Rita Rater", request.Value!["agent"]!.GetValue<string>());

        var rated = await customer.SendEventAsync(AgentRatings.RatingEventName, new { stars = 4, comment = "  Quick and kind <b>thanks</b> " });
        Assert.Equal(HttpStatusCode.OK, rated.StatusCode);

        var detail = await agent.GetOkAsync(path);
        Assert.Equal(4, detail["case"]!["rating"]!.GetValue<int>());
        Assert.Equal("Quick and kind <b>thanks</b>", detail["case"]!["ratingComment"]!.GetValue<string>());
        Assert.NotNull(detail["case"]!["ratedAt"]);
        var ratingEvent = Assert.Single(detail["activities"]!.AsArray(), a => a!["name"]?.GetValue<string>() == AgentRatings.RatingEventName);
        Assert.Equal(4, ratingEvent!["value"]!["stars"]!.GetValue<int>());
        Assert.Contains(detail["audit"]!.AsArray(), e => e!["actor"]!.GetValue<string>() == "customer" && e["action"]!.GetValue<string>() == "rated" && e["detail"]!.GetValue<string>() == "4/5");

        var second = await customer.SendEventAsync(AgentRatings.RatingEventName, new { stars = 1 });
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("AlreadyRated", (await ErrorOf(second)).Code);
        Assert.Equal(4, (await agent.GetOkAsync(path))["case"]!["rating"]!.GetValue<int>());
    }

    public static TheoryData<string, string> BadRatings => new()
    {
        { """null""", "BadArgument" },
        { """{"comment":"no stars"}""", "BadArgument" },
        { """{"stars":0}""", "BadArgument" },
        { """{"stars":6}""", "BadArgument" },
        { """{"stars":-3}""", "BadArgument" },
        { """{"stars":3.5}""", "BadArgument" },
        { """{"stars":"4"}""", "BadArgument" },
        { """{"stars":true}""", "BadArgument" },
        { """{"stars":4,"comment":42}""", "BadArgument" },
        { """{"stars":4,"comment":"LONG"}""", "MessageSizeTooBig" },
        { """[4]""", "BadArgument" },
    };

    [Theory]
    [MemberData(nameof(BadRatings))]
    public async Task A_bad_rating_gets_a_clear_400_and_is_not_stored(string value, string code)
    {
        using var agent = await AgentAsync($"bad-rating-{Guid.NewGuid():N}"[..24], "Bad Rating Agent");
        using var customer = await EscalatedAsync(Host, agent);
        var path = $"/agent/api/conversations/{customer.ConversationId}";
        await agent.PostOkAsync($"{path}/resolve");

        var json = JsonNode.Parse(value.Replace("LONG", new string('x', 1001), StringComparison.Ordinal));
        var response = await customer.SendEventAsync(AgentRatings.RatingEventName, json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var (actualCode, message) = await ErrorOf(response);
        Assert.Equal(code, actualCode);
        Assert.DoesNotContain("   at ", message);
        Assert.Null((await agent.GetOkAsync(path))["case"]!["rating"]);
        Assert.DoesNotContain(await customer.ActivitiesAsync(), a => a.Name == AgentRatings.RatingEventName);
        // The refusal left the case rateable.
        var good = await customer.SendEventAsync(AgentRatings.RatingEventName, new { stars = 5 });
        Assert.True(good.IsSuccessStatusCode, await good.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Asking_for_a_rating_and_the_comment_limit_are_configurable_and_checked_at_start()
    {
        await using (var quiet = await ChatAgentTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["AgentConsole:AskForRating"] = "false",
            ["AgentConsole:MaxRatingCommentLength"] = "10",
        }))
        {
            await ConsoleClient.AddAccountAsync(quiet, "quiet-agent", "Quiet Agent", Password);
            using var agent = new ConsoleClient(quiet);
            await agent.SignInAsync("quiet-agent", Password);
            using var customer = await EscalatedAsync(quiet, agent);
            await agent.PostOkAsync($"/agent/api/conversations/{customer.ConversationId}/resolve");

            Assert.DoesNotContain(await customer.ActivitiesAsync(), a => a.Name == AgentRatings.RequestEventName);
            var tooLong = await customer.SendEventAsync(AgentRatings.RatingEventName, new { stars = 3, comment = "eleven char" });
            Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
            Assert.Equal("MessageSizeTooBig", (await ErrorOf(tooLong)).Code);
            Assert.True((await customer.SendEventAsync(AgentRatings.RatingEventName, new { stars = 3, comment = "ten chars!" })).IsSuccessStatusCode);
        }

        var bad = await Assert.ThrowsAnyAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            ChatAgentTestHost.StartAsync(new Dictionary<string, string?> { ["AgentConsole:MaxRatingCommentLength"] = "5000" }));
        Assert.Contains("MaxRatingCommentLength", bad.Message);
    }

    [Fact]
    public async Task Ratings_are_refused_unless_an_agent_resolved_the_conversation()
    {
        using var agent = await AgentAsync("not-resolved-agent", "Not Resolved");

        using var botOnly = await Customer.StartAsync(Host);
        await botOnly.SendAsync("hello bot");
        var never = await botOnly.SendEventAsync(AgentRatings.RatingEventName, new { stars = 5 });

        using var open = await EscalatedAsync(Host, agent);
        var stillOpen = await open.SendEventAsync(AgentRatings.RatingEventName, new { stars = 5 });

        using var handedBack = await EscalatedAsync(Host, agent);
        await agent.PostOkAsync($"/agent/api/conversations/{handedBack.ConversationId}/handback");
        var afterHandBack = await handedBack.SendEventAsync(AgentRatings.RatingEventName, new { stars = 5 });

        foreach (var response in new[] { never, stillOpen, afterHandBack })
        {
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.Equal("NotResolved", (await ErrorOf(response)).Code);
        }
        Assert.DoesNotContain(await handedBack.ActivitiesAsync(), a => a.Name == AgentRatings.RequestEventName);
    }
}
