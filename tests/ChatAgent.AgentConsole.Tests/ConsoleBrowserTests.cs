using System.Text.RegularExpressions;
using ChatAgent.Host.AgentConsole;
using ChatAgent.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatAgent.AgentConsole.Tests;

/// <summary>The real host plus Debian's Chromium (driven by Playwright without <c>playwright install</c>).</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public static string ChromiumPath => Environment.GetEnvironmentVariable("CHATAGENT_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public ChatAgentTestHost Host { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Host = await ChatAgentTestHost.StartAsync(new Dictionary<string, string?> { ["AgentConsole:RefreshSeconds"] = "1" });
        if (!File.Exists(ChromiumPath))
        {
            return; // each test fails with the install command
        }
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
        // Chromium on a 2-core CI runner is slow; the console's own timings are far shorter than this.
        SetDefaultExpectTimeout(20_000);
    }

    public async Task<IPage> NewPageAsync(List<string> dialogs)
    {
        Assert.True(File.Exists(ChromiumPath), $"Chromium not found at {ChromiumPath}. Install it with `apt-get install -y chromium` or set CHATAGENT_CHROMIUM.");
        var context = await Browser.NewContextAsync(new() { BaseURL = Host.BaseUrl, ViewportSize = new() { Width = 1280, Height = 800 }, Locale = "en-US" });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        page.Dialog += async (_, dialog) =>
        {
            lock (dialogs) { dialogs.Add(dialog.Message); }
            await dialog.DismissAsync();
        };
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        _playwright?.Dispose();
        await Host.DisposeAsync();
    }
}

public sealed class ConsoleBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string Password = ConsoleClient.TestPassword;
    private const string Hostile = "<img src=x onerror=alert(1)><script>alert(2)</script> it never came";

    [Fact]
    public async Task An_agent_takes_over_live_from_the_queue_and_hands_back_to_the_bot()
    {
        var host = fixture.Host;
        await ConsoleClient.AddAccountAsync(host, "alice", "Alice Smith", Password);
        var dialogs = new List<string>();

        // The agent signs in and waits on the live queue.
        var agent = await fixture.NewPageAsync(dialogs);
        await agent.GotoAsync("/agent");
        await agent.FillAsync("#user-name", "alice");
        await agent.FillAsync("#password", Password);
        await agent.ClickAsync("#signin");
        await Expect(agent.Locator("#me")).ToHaveTextAsync(new Regex("Alice Smith"));
        await Expect(agent.Locator("#live")).ToHaveAttributeAsync("data-state", "live");

        // The customer chats with the bot in the widget on the demo shop, then is escalated.
        var customer = await fixture.NewPageAsync(dialogs);
        await customer.GotoAsync("/");
        await customer.Locator(".ca-launcher").ClickAsync();
        var input = customer.GetByRole(AriaRole.Textbox, new() { Name = "Message", Exact = true });
        await input.FillAsync("I need help with my order");
        await input.PressAsync("Enter");
        var botReplies = customer.Locator(".ca-msg-bot:not(.ca-streaming):not(.ca-greeting)");
        await Expect(botReplies.First).ToBeVisibleAsync();   // whatever the bot asks first
        var conversationId = await customer.EvaluateAsync<string>(
            "() => { for (const s of [sessionStorage, localStorage]) for (let i = 0; i < s.length; i++) { const k = s.key(i); if (k.startsWith('chatagent:v1:') && !k.endsWith(':ui')) return JSON.parse(s.getItem(k)).conversationId; } return null; }");
        Assert.False(string.IsNullOrEmpty(conversationId));
        await Customer.EscalateAsync(host, conversationId);

        // It appears in the agent's queue without a reload; the agent claims it and replies.
        var item = agent.Locator($"#queue li[data-conversation-id=\"{conversationId}\"]");
        await Expect(item).ToBeVisibleAsync();
        await item.ClickAsync();
        await Expect(agent.Locator("#transcript .msg[data-kind=user]")).ToContainTextAsync("I need help with my order");
        await agent.ClickAsync("#claim");
        await Expect(agent.Locator("#reply-text")).ToBeEnabledAsync();
        await agent.FillAsync("#reply-text", "Hello, Alice here. Let me look into it.");
        await agent.ClickAsync("#reply-send");

        // The customer's widget shows the reply under the agent's name, as a person.
        var agentMessage = customer.Locator(".ca-msg-agent").Filter(new() { HasText = "Alice here" });
        await Expect(agentMessage).ToBeVisibleAsync();
        await Expect(agentMessage.Locator(".ca-sender")).ToHaveTextAsync("Alice Smith");

        // The customer answers (with markup); the agent sees it live, as text.
        await input.FillAsync(Hostile);
        await input.PressAsync("Enter");
        var answer = agent.Locator("#transcript .msg[data-kind=user] .text").Filter(new() { HasText = "it never came" });
        await Expect(answer).ToHaveTextAsync(Hostile);
        await Expect(agent.Locator("#transcript img, #transcript script")).ToHaveCountAsync(0);
        await Expect(item.Locator(".last").First).ToContainTextAsync("<img src=x onerror=alert(1)>");
        await Expect(agent.Locator("#queue img")).ToHaveCountAsync(0);

        // Notes stay inside the console.
        await agent.FillAsync("#note-text", "Carrier lost it; refund if not found by Friday.");
        await agent.ClickAsync("#note-add");
        await Expect(agent.Locator("#notes li")).ToContainTextAsync("Carrier lost it");

        // Hand back: the bot answers the next message again.
        await agent.ClickAsync("#handback");
        await Expect(agent.Locator("#c-status")).ToContainTextAsync("Active");
        await Expect(item).ToHaveCountAsync(0);
        var botAnswersBefore = await botReplies.CountAsync();
        await input.FillAsync("one more question");
        await input.PressAsync("Enter");
        await Expect(botReplies).ToHaveCountAsync(botAnswersBefore + 1);   // whatever the bot says, it answers again

        await Expect(customer.Locator(".ca-log")).Not.ToContainTextAsync("Carrier lost it");
        Assert.Empty(dialogs);
        await Expect(agent.Locator("#audit li")).ToHaveCountAsync(4); // claimed, replied, noted, handed back
    }

    [Fact]
    public async Task Signing_out_returns_to_the_sign_in_page_and_bad_passwords_show_an_error()
    {
        await ConsoleClient.AddAccountAsync(fixture.Host, "carol", "Carol", Password, AgentRole.Admin);
        var page = await fixture.NewPageAsync([]);
        await page.GotoAsync("/agent");
        await page.FillAsync("#user-name", "carol");
        await page.FillAsync("#password", "wrong password");
        await page.ClickAsync("#signin");
        await Expect(page.Locator("#signin-error")).ToHaveTextAsync("Wrong user name or password.");

        await page.FillAsync("#password", Password);
        await page.ClickAsync("#signin");
        await Expect(page.Locator("#me")).ToHaveTextAsync("Carol (admin)");
        await page.ClickAsync("#signout");
        await Expect(page.Locator("#signin")).ToBeVisibleAsync();
        await page.ReloadAsync();
        await Expect(page.Locator("#signin")).ToBeVisibleAsync();
    }
}
