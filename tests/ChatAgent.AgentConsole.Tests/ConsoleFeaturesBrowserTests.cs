using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatAgent.Host.AgentConsole;
using ChatAgent.Shop;
using ChatAgent.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatAgent.AgentConsole.Tests;

/// <summary>Ratings in the widget, the history and metrics pages and the customer panel, in Chromium against one shared host.</summary>
public sealed class ConsoleFeaturesBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string Password = ConsoleClient.TestPassword;
    private const string ConversationIdScript =
        "() => { for (const s of [sessionStorage, localStorage]) for (let i = 0; i < s.length; i++) { const k = s.key(i); if (k.startsWith('chatagent:v1:') && !k.endsWith(':ui')) return JSON.parse(s.getItem(k)).conversationId; } return null; }";

    private ChatAgentTestHost Host => fixture.Host;

    private async Task<IPage> SignedInAsync(string userName, string displayName, List<string> dialogs, AgentRole role = AgentRole.Agent, string start = "/agent")
    {
        await ConsoleClient.AddAccountAsync(Host, userName, displayName, Password, role);
        var page = await fixture.NewPageAsync(dialogs);
        await page.GotoAsync(start);
        await page.FillAsync("#user-name", userName);
        await page.FillAsync("#password", Password);
        await page.ClickAsync("#signin");
        await Expect(page.Locator("#me")).ToHaveTextAsync(new Regex(Regex.Escape(displayName)));
        return page;
    }

    [Fact]
    public async Task After_an_agent_resolves_the_widget_asks_for_a_rating_and_the_agent_and_metrics_see_it()
    {
        var dialogs = new List<string>();
        var agent = await SignedInAsync("rosa", "Rosa Resolver", dialogs);

        var customer = await fixture.NewPageAsync(dialogs);
        await customer.GotoAsync("/");
        await customer.Locator(".ca-launcher").ClickAsync();
        var input = customer.GetByRole(AriaRole.Textbox, new() { Name = "Message", Exact = true });
        await input.FillAsync("a question about my parcel");
        await input.PressAsync("Enter");
        await Expect(customer.Locator(".ca-msg-bot:not(.ca-streaming):not(.ca-greeting)").First).ToBeVisibleAsync();
        var conversationId = await customer.EvaluateAsync<string>(ConversationIdScript);
        await Customer.EscalateAsync(Host, conversationId);

        var item = agent.Locator($"#queue li[data-conversation-id=\"{conversationId}\"]");
        await item.ClickAsync();
        await agent.ClickAsync("#claim");
        await agent.FillAsync("#reply-text", "Your parcel is on its way again.");
        await agent.ClickAsync("#reply-send");
        await Expect(customer.Locator(".ca-msg-agent").Filter(new() { HasText = "on its way again" })).ToBeVisibleAsync();
        await Expect(agent.Locator("#c-rating")).ToHaveTextAsync("not rated");
        await agent.ClickAsync("#resolve");

        // The widget asks; the customer picks 4 stars, adds a comment and sends.
        var prompt = customer.Locator(".ca-rating");
        await Expect(prompt).ToContainTextAsync("How did Rosa Resolver do?");
        var send = prompt.GetByRole(AriaRole.Button, new() { Name = "Send rating" });
        await Expect(send).ToBeDisabledAsync();
        var four = prompt.GetByRole(AriaRole.Button, new() { Name = "4 stars out of 5" });
        await four.ClickAsync();
        await Expect(four).ToHaveAttributeAsync("aria-pressed", "true");
        await prompt.GetByRole(AriaRole.Textbox, new() { Name = "Comment (optional)" }).FillAsync("<img src=x onerror=alert(5)> quick help");
        await send.ClickAsync();
        await Expect(prompt).ToHaveTextAsync("Thank you! You rated this chat 4 out of 5.");

        // Stored with the case: the agent sees it live; history and the metrics JSON have it.
        await Expect(agent.Locator("#c-rating")).ToHaveTextAsync("4/5 ★★★★ — “<img src=x onerror=alert(5)> quick help”");
        await Expect(agent.Locator("#conversation img")).ToHaveCountAsync(0);
        await ConsoleClient.AddAccountAsync(Host, "rating-admin", "Rating Admin", Password, AgentRole.Admin);
        using var admin = new ConsoleClient(Host);
        await admin.SignInAsync("rating-admin", Password);
        var history = (await admin.GetOkAsync("/agent/api/history?status=active")).AsArray();
        Assert.Equal(4, history.Single(h => h!["conversationId"]!.GetValue<string>() == conversationId)!["rating"]!.GetValue<int>());
        var ratings = (await admin.GetOkAsync("/agent/api/metrics"))["ratings"]!;
        Assert.True(ratings["count"]!.GetValue<int>() >= 1);
        Assert.True(ratings["distribution"]!.AsArray()[3]!["ratings"]!.GetValue<int>() >= 1);

        // A reload replays the transcript: the widget shows the rating as given and offers no second one.
        await customer.ReloadAsync();
        await customer.Locator(".ca-launcher").ClickAsync();
        await Expect(customer.Locator(".ca-rating")).ToHaveTextAsync("Thank you! You rated this chat 4 out of 5.");
        await Expect(customer.Locator(".ca-star")).ToHaveCountAsync(0);
        Assert.Empty(dialogs);
    }

    [Fact]
    public async Task History_filters_conversations_opens_one_and_downloads_its_transcript()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        using var alpha = await Customer.StartAsync(Host, userId: $"hist_alpha_{tag}");
        await alpha.SendAsync($"<img src=x onerror=alert(6)> marker{tag} my blender broke");
        using var beta = await Customer.StartAsync(Host, userId: $"hist_beta_{tag}");
        await beta.SendAsync("where is my refund");
        await Customer.EscalateAsync(Host, beta.ConversationId);
        await Host.Services.GetRequiredService<AgentDesk>().RecordEscalationAsync(beta.ConversationId, $"<script>alert(7)</script> broken zip {tag}", null, CancellationToken.None);

        var dialogs = new List<string>();
        var page = await SignedInAsync($"hist-{tag}", "History Agent", dialogs, start: "/agent/history");
        var rows = page.Locator("#h-rows tr");

        await page.FillAsync("#f-customer", $"hist_alpha_{tag}");
        await page.ClickAsync("#f-search");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First.Locator("td.who")).ToHaveTextAsync($"hist_alpha_{tag}");

        await page.FillAsync("#f-customer", "");
        await page.SelectOptionAsync("#f-status", "escalated");
        await page.FillAsync("#f-reason", $"broken zip {tag}");
        await page.ClickAsync("#f-search");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First.Locator("td.reason")).ToHaveTextAsync($"<script>alert(7)</script> broken zip {tag}");
        Assert.Contains("status=escalated", page.Url);

        await page.ClickAsync("#f-clear");
        await page.FillAsync("#f-q", $"marker{tag}");
        await page.ClickAsync("#f-search");
        await Expect(rows).ToHaveCountAsync(1);
        var tomorrow = DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await page.FillAsync("#f-from", tomorrow);
        await page.ClickAsync("#f-search");
        await Expect(page.Locator("#h-count")).ToHaveTextAsync("0 conversations");
        await page.FillAsync("#f-from", "");
        await page.ClickAsync("#f-search");
        var row = page.Locator($"#h-rows tr[data-conversation-id=\"{alpha.ConversationId}\"]");
        await Expect(row).ToBeVisibleAsync();
        await Expect(page.Locator("#h-rows img, #h-rows script")).ToHaveCountAsync(0);

        var text = await page.RunAndWaitForDownloadAsync(() => row.Locator("a.export-text").ClickAsync());
        Assert.EndsWith(".txt", text.SuggestedFilename);
        var transcript = await File.ReadAllTextAsync((await text.PathAsync())!);
        Assert.Contains($"Customer: <img src=x onerror=alert(6)> marker{tag} my blender broke", transcript);
        var json = await page.RunAndWaitForDownloadAsync(() => row.Locator("a.export-json").ClickAsync());
        Assert.EndsWith(".json", json.SuggestedFilename);
        var exported = JsonNode.Parse(await File.ReadAllTextAsync((await json.PathAsync())!))!;
        Assert.Equal(alpha.ConversationId, exported["conversationId"]!.GetValue<string>());

        await row.Locator("a.open").ClickAsync();
        await Expect(page.Locator("#transcript .msg[data-kind=user] .text")).ToHaveTextAsync($"<img src=x onerror=alert(6)> marker{tag} my blender broke");
        await Expect(page.Locator("#transcript img")).ToHaveCountAsync(0);
        Assert.Empty(dialogs);
    }

    [Fact]
    public async Task Admins_see_metrics_charts_and_agents_do_not()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var hostileReason = $"<img src=x onerror=alert(8)> lost {tag}";
        using var customer = await Customer.StartAsync(Host, userId: $"metrics_{tag}");
        await customer.SendAsync("a question about my parcel");
        await Customer.EscalateAsync(Host, customer.ConversationId);
        await Host.Services.GetRequiredService<AgentDesk>().RecordEscalationAsync(customer.ConversationId, hostileReason, null, CancellationToken.None);

        var dialogs = new List<string>();
        var agent = await SignedInAsync($"plain-{tag}", "Plain Agent", dialogs);
        await Expect(agent.Locator("a[href='/agent/metrics']")).ToBeHiddenAsync();
        var refused = await agent.GotoAsync("/agent/metrics");
        Assert.Equal(403, refused!.Status);

        var admin = await SignedInAsync($"admin-{tag}", "Metrics Admin", dialogs, AgentRole.Admin, start: "/agent/metrics");
        await Expect(admin.Locator("body")).ToHaveAttributeAsync("data-loaded", "true");
        await Expect(admin.Locator("#chart-per-day rect.bar")).ToHaveCountAsync(30);
        Assert.True(int.Parse(await admin.Locator("#chart-per-day rect.bar").Last.GetAttributeAsync("data-value") ?? "0", System.Globalization.CultureInfo.InvariantCulture) >= 1);
        // Long reasons are cut short in the chart; the full text is in its tooltip and in the figures table.
        await Expect(admin.Locator("#chart-reasons text.label title").Filter(new() { HasText = $"lost {tag}" })).ToHaveTextAsync(hostileReason);
        await Expect(admin.Locator("#chart-reasons td").Filter(new() { HasText = $"lost {tag}" })).ToHaveTextAsync(hostileReason);
        await Expect(admin.Locator("#chart-reasons img, #tiles img")).ToHaveCountAsync(0);
        await Expect(admin.Locator("#chart-deflection rect.escalated")).ToHaveCountAsync(1);
        await Expect(admin.Locator("#chart-ratings rect.bar")).ToHaveCountAsync(5);
        await Expect(admin.Locator("#tile-conversations .value")).ToHaveTextAsync(new Regex(@"^\d+$"));
        await Expect(admin.Locator("a[href='/agent/metrics']")).ToBeVisibleAsync();
        Assert.Empty(dialogs);
    }

    [Fact]
    public async Task The_conversation_view_shows_the_verified_customer_and_recent_orders_as_text()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var now = DateTimeOffset.UtcNow;
        await ShopSeed.AddCustomerAsync(Host, $"panel_{tag}", "<img src=x onerror=alert(9)>", "Shopper", $"panel.{tag}@example.com",
            ($"#W7{Random.Shared.Next(100_000, 1_000_000)}", now.AddDays(-1), OrderStatus.Processed, [12.5m, 7.5m]),
            ($"#W6{Random.Shared.Next(100_000, 1_000_000)}", now.AddDays(-30), OrderStatus.Delivered, [5m]));
        using var verified = await Customer.StartAsync(Host);
        await verified.SendAsync("a question about my parcel");
        await ShopSeed.VerifyByEmailAsync(Host, verified.ConversationId, $"panel.{tag}@example.com");
        await Customer.EscalateAsync(Host, verified.ConversationId);
        using var anonymous = await Customer.StartAsync(Host);
        await anonymous.SendAsync("a question about my parcel");
        await Customer.EscalateAsync(Host, anonymous.ConversationId);

        var dialogs = new List<string>();
        var page = await SignedInAsync($"panel-{tag}", "Panel Agent", dialogs);
        await page.Locator($"#queue li[data-conversation-id=\"{verified.ConversationId}\"]").ClickAsync();
        await Expect(page.Locator("#cust-status")).ToHaveTextAsync("Verified by email");
        await Expect(page.Locator("#cust-facts")).ToContainTextAsync("<img src=x onerror=alert(9)> Shopper");
        await Expect(page.Locator("#cust-orders tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("#cust-orders tr").First.Locator("td").Nth(2)).ToHaveTextAsync("processed");
        await Expect(page.Locator("#cust-orders tr").First.Locator("td").Nth(3)).ToHaveTextAsync("20.00");
        await Expect(page.Locator("#customer-panel img")).ToHaveCountAsync(0);

        await page.Locator($"#queue li[data-conversation-id=\"{anonymous.ConversationId}\"]").ClickAsync();
        await Expect(page.Locator("#cust-status")).ToHaveTextAsync("Not verified");
        await Expect(page.Locator("#cust-orders-table")).ToBeHiddenAsync();
        Assert.Empty(dialogs);
    }
}
