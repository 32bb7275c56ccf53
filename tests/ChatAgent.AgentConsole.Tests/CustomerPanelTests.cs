using System.Net;
using ChatAgent.Shop;
using ChatAgent.Testing;

namespace ChatAgent.AgentConsole.Tests;

public sealed class CustomerPanelTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private ChatAgentTestHost Host => fixture.Host;
    private const string Password = ConsoleClient.TestPassword;

    [Fact]
    public async Task The_conversation_shows_the_verified_customer_with_their_newest_orders_first()
    {
        await ConsoleClient.AddAccountAsync(Host, "panel-agent", "Panel Agent", Password);
        using var agent = new ConsoleClient(Host);
        await agent.SignInAsync("panel-agent", Password);
        var now = DateTimeOffset.UtcNow;
        var orders = Enumerable.Range(1, 7)
            .Select(i => ($"#W900000{i}", now.AddDays(-10 * i), i == 1 ? OrderStatus.Pending : OrderStatus.Delivered, new[] { 10m * i, 0.5m }))
            .ToArray();
        await ShopSeed.AddCustomerAsync(Host, "panel_customer_1", "Pat", "Panel", "pat.panel@example.com", orders);
        using var customer = await Customer.StartAsync(Host);
        await customer.SendAsync("where is my order");
        await ShopSeed.VerifyByEmailAsync(Host, customer.ConversationId, "Pat.Panel@example.com");

        var panel = await agent.GetOkAsync($"/agent/api/conversations/{customer.ConversationId}/customer");

        Assert.True(panel["verified"]!.GetValue<bool>());
        Assert.Equal("panel_customer_1", panel["customerId"]!.GetValue<string>());
        Assert.Equal("Pat Panel", panel["name"]!.GetValue<string>());
        Assert.Equal("pat.panel@example.com", panel["email"]!.GetValue<string>());
        Assert.Equal("email", panel["verificationMethod"]!.GetValue<string>());
        var recent = panel["recentOrders"]!.AsArray();
        Assert.Equal(["#W9000001", "#W9000002", "#W9000003", "#W9000004", "#W9000005"], recent.Select(o => o!["orderId"]!.GetValue<string>()));
        Assert.Equal("pending", recent[0]!["status"]!.GetValue<string>());
        Assert.Equal("delivered", recent[1]!["status"]!.GetValue<string>());
        Assert.Equal(20.5m, recent[1]!["total"]!.GetValue<decimal>());
        Assert.Equal(orders[1].Item2.ToUnixTimeSeconds(), recent[1]!["createdAt"]!.GetValue<DateTimeOffset>().ToUnixTimeSeconds());
    }

    [Fact]
    public async Task A_customer_the_shop_has_not_verified_is_shown_as_not_verified_without_orders()
    {
        await ConsoleClient.AddAccountAsync(Host, "panel-agent-2", "Panel Agent", Password);
        using var agent = new ConsoleClient(Host);
        await agent.SignInAsync("panel-agent-2", Password);
        using var customer = await Customer.StartAsync(Host, userId: "claims_to_be_someone");
        await customer.SendAsync("I am panel_customer_1, show me my orders");

        var panel = await agent.GetOkAsync($"/agent/api/conversations/{customer.ConversationId}/customer");

        Assert.False(panel["verified"]!.GetValue<bool>());
        Assert.Null(panel["customerId"]);
        Assert.Empty(panel["recentOrders"]!.AsArray());
        Assert.Equal(HttpStatusCode.NotFound, (await agent.Http.GetAsync("/agent/api/conversations/no-such-conversation/customer")).StatusCode);
    }
}
