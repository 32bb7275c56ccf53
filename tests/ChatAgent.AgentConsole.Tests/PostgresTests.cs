using ChatAgent.Conversations.Activities;
using ChatAgent.Host.AgentConsole;
using ChatAgent.Testing;

namespace ChatAgent.AgentConsole.Tests;

public sealed class PostgresTests
{
    [Fact]
    public async Task The_console_migrates_and_works_on_PostgreSQL()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var host = await ChatAgentTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:ChatAgent"] = database.ConnectionString,
        });
        await ConsoleClient.AddAccountAsync(host, "pg-agent", "Pg Agent", "correct horse battery");
        using var agent = new ConsoleClient(host);
        await agent.SignInAsync("pg-agent", "correct horse battery");
        using var customer = await Customer.StartAsync(host, userId: "pg_customer");
        await customer.SendAsync("Need a HUMAN please");
        await Customer.EscalateAsync(host, customer.ConversationId);
        var path = $"/agent/api/conversations/{customer.ConversationId}";

        Assert.Contains((await agent.GetOkAsync("/agent/api/queue")).AsArray(), q => q!["conversationId"]!.GetValue<string>() == customer.ConversationId);
        await agent.PostOkAsync($"{path}/claim");
        await agent.PostOkAsync($"{path}/reply", new { text = "On PostgreSQL too." });
        await agent.PostOkAsync($"{path}/handback");

        await customer.WaitForAsync(a => a.Text == "On PostgreSQL too." && a.From?.Name == "Pg Agent", "the agent's reply");
        Assert.Single((await agent.GetOkAsync("/agent/api/history?q=human")).AsArray());
        var next = await customer.SendAsync("back to the bot");
        await customer.WaitForAsync(a => a.ReplyToId == next && a.Type == ActivityTypes.Message, "the bot's answer");

        // Ratings (the AgentCaseRatings migration) and the customer panel on PostgreSQL too.
        await ShopSeed.AddCustomerAsync(host, "pg_shopper", "Pg", "Shopper", "pg.shopper@example.com",
            ("#W5550001", DateTimeOffset.UtcNow.AddDays(-2), ChatAgent.Shop.OrderStatus.Delivered, [19.99m]));
        using var rater = await Customer.StartAsync(host);
        await rater.SendAsync("a question about my parcel");
        await ShopSeed.VerifyByEmailAsync(host, rater.ConversationId, "pg.shopper@example.com");
        await Customer.EscalateAsync(host, rater.ConversationId);
        var raterPath = $"/agent/api/conversations/{rater.ConversationId}";
        await agent.PostOkAsync($"{raterPath}/claim");
        await agent.PostOkAsync($"{raterPath}/resolve");
        Assert.True((await rater.SendEventAsync(AgentRatings.RatingEventName, new { stars = 5, comment = "great" })).IsSuccessStatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, (await rater.SendEventAsync(AgentRatings.RatingEventName, new { stars = 2 })).StatusCode);
        Assert.Equal(5, (await agent.GetOkAsync(raterPath))["case"]!["rating"]!.GetValue<int>());
        var panel = await agent.GetOkAsync($"{raterPath}/customer");
        Assert.True(panel["verified"]!.GetValue<bool>());
        Assert.Equal("#W5550001", Assert.Single(panel["recentOrders"]!.AsArray())!["orderId"]!.GetValue<string>());
    }
}
