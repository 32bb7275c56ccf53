using System.Text.Json;
using ChatAgent.Web.Tests.Infrastructure;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatAgent.Web.Tests;

/// <summary>Our widget on the demo shop page, in Chromium, against the real host and its built-in bot.</summary>
[Collection(BrowserCollection.Name)]
public sealed class WidgetTests(BrowserHostFixture fixture)
{
    [Fact]
    public async Task Customer_opens_the_bubble_sends_a_message_and_sees_it_at_once_then_a_reply_streams_in_place()
    {
        await using var session = await fixture.NewSessionAsync();
        var widget = new WidgetPage(session.Page);
        await widget.GotoShopAsync();
        await Expect(widget.Panel).ToBeHiddenAsync();

        await widget.OpenAsync();
        await Expect(widget.Input).ToBeFocusedAsync();
        await RecordStreamGrowthAsync(session.Page);

        // Enough words that the livestream needs several chunks.
        var words = Enumerable.Range(1, 24).Select(i => $"word{i}").ToList();
        var text = "stream " + string.Join(' ', words);
        await widget.SendAsync(text);

        await Expect(widget.UserMessages.Last).ToContainTextAsync(text, new() { Timeout = 1_000 });
        await Expect(widget.Input).ToHaveValueAsync("");
        var reply = widget.FinalReplyContaining("word24");
        await Expect(reply).ToHaveCountAsync(1);
        await Expect(reply.Locator("strong").Filter(new() { HasText = "word24" })).ToHaveCountAsync(1); // markdown rendered
        await Expect(widget.UserMessages.Last).ToHaveAttributeAsync("data-state", "sent");
        await Expect(widget.BotMessages).ToHaveCountAsync(1);

        var growth = await session.Page.EvaluateAsync<JsonElement>("() => window.__streamGrowth");
        var lengths = growth.EnumerateArray().Select(e => e.GetProperty("length").GetInt32()).Distinct().ToList();
        var streamIds = growth.EnumerateArray().Select(e => e.GetProperty("streamId").GetString()).Distinct().ToList();
        var finalLength = (await reply.Locator(".ca-bubble").InnerTextAsync()).Length;
        Assert.Single(streamIds); // one element grew in place: no second bubble for the final message
        Assert.Equal(streamIds[0], await reply.GetAttributeAsync("data-stream-id"));
        Assert.True(lengths.Count(l => l > 0 && l < finalLength) >= 2,
            $"expected the reply to grow through at least two partial lengths before {finalLength}; saw [{string.Join(", ", lengths)}]");
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task Reloading_the_page_resumes_the_same_conversation_with_its_history()
    {
        await using var session = await fixture.NewSessionAsync();
        var widget = new WidgetPage(session.Page);
        await widget.GotoShopAsync();
        await widget.OpenAsync();
        await widget.SendAsync("remember me please");
        await Expect(widget.FinalReplyContaining("please")).ToHaveCountAsync(1);
        var conversationId = await widget.ConversationIdAsync();
        Assert.False(string.IsNullOrEmpty(conversationId));

        await session.Page.ReloadAsync();

        // The panel was open, so it opens again; the transcript comes back from the server, once.
        await Expect(widget.Panel).ToBeVisibleAsync();
        await Expect(widget.UserMessages).ToHaveCountAsync(1);
        await Expect(widget.UserMessages.First).ToContainTextAsync("remember me please");
        await Expect(widget.FinalReplyContaining("please")).ToHaveCountAsync(1);
        await Expect(widget.Status).ToHaveAttributeAsync("data-status", "online");
        Assert.Equal(conversationId, await widget.ConversationIdAsync());

        // And the resumed conversation carries on.
        await widget.SendAsync("still here");
        await Expect(widget.FinalReplyContaining("here")).ToHaveCountAsync(1);
        await Expect(widget.UserMessages).ToHaveCountAsync(2);
        await Expect(widget.BotMessages).ToHaveCountAsync(2);
        Assert.Equal(conversationId, await widget.ConversationIdAsync());
    }

    [Fact]
    public async Task Closing_the_tab_and_coming_back_in_a_new_one_shows_the_same_conversation_until_it_expires()
    {
        await using var session = await fixture.NewSessionAsync();
        var widget = new WidgetPage(session.Page);
        await widget.GotoShopAsync();
        await widget.OpenAsync();
        await widget.SendAsync("waiting for a person");
        await Expect(widget.FinalReplyContaining("person")).ToHaveCountAsync(1);
        var conversationId = await widget.ConversationIdAsync();
        await session.Page.CloseAsync();

        // A new tab of the same browser (the default storage is the shop's localStorage).
        var again = new WidgetPage(await session.Context.NewPageAsync());
        await again.GotoShopAsync();
        await again.OpenAsync();
        await Expect(again.UserMessages).ToHaveCountAsync(1);
        await Expect(again.UserMessages.First).ToContainTextAsync("waiting for a person");
        await Expect(again.FinalReplyContaining("person")).ToHaveCountAsync(1);
        Assert.Equal(conversationId, await again.ConversationIdAsync());
        // The header speaks for the assistant only: "Online" read as "a person is there" at midnight.
        await Expect(again.Status).ToContainTextAsync("Assistant ready");
        await Expect(again.Status).Not.ToContainTextAsync("Online");

        // A conversation stored longer ago than data-storage-hours (24) is forgotten: the next visit starts afresh.
        await again.Page.EvaluateAsync(
            "() => { for (let i = 0; i < localStorage.length; i++) { const k = localStorage.key(i); if (k.startsWith('chatagent:v1:') && !k.endsWith(':ui')) { const v = JSON.parse(localStorage.getItem(k)); v.savedAt = Date.now() - 25 * 3600 * 1000; localStorage.setItem(k, JSON.stringify(v)); } } }");
        await again.Page.CloseAsync();
        var later = new WidgetPage(await session.Context.NewPageAsync());
        await later.GotoShopAsync();
        await later.OpenAsync();
        await Expect(later.UserMessages).ToHaveCountAsync(0);
        await later.SendAsync("a new question");
        await Expect(later.FinalReplyContaining("question")).ToHaveCountAsync(1);
        Assert.NotEqual(conversationId, await later.ConversationIdAsync());
    }

    [Theory]
    [InlineData(1280, 800)]
    [InlineData(360, 740)]
    public async Task Product_results_show_as_cards_with_price_options_and_a_link_and_orders_as_buttons(int width, int height)
    {
        await using var session = await fixture.NewSessionAsync(width, height);
        var widget = new WidgetPage(session.Page);
        await widget.GotoShopAsync();
        await widget.OpenAsync();
        await widget.SendAsync(CardsBot.ShowProducts);

        var cards = session.Page.Locator(".ca-msg-bot .ca-card");
        await Expect(cards).ToHaveCountAsync(2);
        var laptop = session.Page.GetByRole(AriaRole.Article, new() { Name = "Laptop", Exact = true });
        await Expect(laptop.Locator(".ca-card-subtitle")).ToHaveTextAsync("$768.27–$1,014.45");
        await Expect(laptop.Locator(".ca-card-text")).ToContainTextAsync("color: silver, black");
        var view = laptop.GetByRole(AriaRole.Link, new() { Name = "View product: Laptop" });
        Assert.EndsWith("/shop/products/4760268021", await view.GetAttributeAsync("href"));
        Assert.Equal("_blank", await view.GetAttributeAsync("target"));
        var box = await laptop.BoundingBoxAsync();
        Assert.True(box is not null && box.X >= 0 && box.X + box.Width <= width, $"the card overflows a {width} px screen: {box?.X}+{box?.Width}");

        // "Tell me more" asks the bot about that product, as if typed.
        await laptop.GetByRole(AriaRole.Button, new() { Name = "Tell me more: Laptop" }).ClickAsync();
        await Expect(widget.UserMessages.Last).ToContainTextAsync("Tell me more about Laptop");
        await Expect(widget.FinalReplyContaining("Laptop").Last).ToContainTextAsync("You said:");

        // Choices (the customer's orders) are buttons that send their value.
        await widget.SendAsync(CardsBot.WhichOrder);
        var order = widget.Suggestions.GetByRole(AriaRole.Button, new() { Name = "#W8771299 (shipped)" });
        await Expect(order).ToBeVisibleAsync();
        await order.ClickAsync();
        await Expect(widget.UserMessages.Last.Locator(".ca-bubble")).ToHaveTextAsync("#W8771299");
        await Expect(widget.FinalReplyContaining("W8771299")).ToHaveCountAsync(1);

        var results = await session.Page.RunAxe();
        var serious = results.Violations
            .Where(v => v.Impact is "serious" or "critical")
            .Where(v => v.Nodes.Any(n => n.Target.ToString().Contains("ca-", StringComparison.Ordinal) || n.Html.Contains("ca-", StringComparison.Ordinal)))
            .Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join("; ", v.Nodes.Select(n => n.Target))}")
            .ToList();
        Assert.True(serious.Count == 0, "axe found: " + string.Join(Environment.NewLine, serious));
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task Html_in_a_message_is_shown_as_text_and_never_runs()
    {
        await using var session = await fixture.NewSessionAsync();
        var widget = new WidgetPage(session.Page);
        await widget.GotoShopAsync();
        await widget.OpenAsync();

        const string payload = "<img src=x onerror=alert(1)>";
        await widget.SendAsync(payload);
        await Expect(widget.UserMessages.Last.Locator(".ca-bubble")).ToHaveTextAsync(payload);
        // The bot echoes it back (as markdown): still text.
        await Expect(widget.FinalReplyContaining("onerror=alert(1)")).ToHaveCountAsync(1);

        await widget.SendAsync("<script>alert(2)</script> [click me](javascript:alert(3)) https://example.com/help");
        var reply = widget.FinalReplyContaining("click");
        await Expect(reply).ToHaveCountAsync(1);

        Assert.Equal(0, await session.Page.Locator(".ca-root img, .ca-root script, .ca-root iframe").CountAsync());
        Assert.Equal(0, await session.Page.Locator(".ca-root a[href^='javascript']").CountAsync());
        var link = reply.Locator("a[href='https://example.com/help']");
        await Expect(link).ToHaveCountAsync(1);
        await Expect(link).ToHaveAttributeAsync("rel", "noopener noreferrer");
        await Expect(link).ToHaveAttributeAsync("target", "_blank");
        await Expect(reply).ToContainTextAsync("<script>alert(2)</script>");
        Assert.Empty(session.Dialogs);
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task At_a_360_px_viewport_the_chat_fits_the_screen_and_sending_works()
    {
        await using var session = await fixture.NewSessionAsync(360, 740);
        var widget = new WidgetPage(session.Page);
        await widget.GotoShopAsync();
        Assert.True(await session.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth") <= 360, "the shop page itself overflows at 360 px");

        await widget.OpenAsync();
        var longWord = new string('x', 120);
        await widget.SendAsync($"small screen {longWord}");
        await Expect(widget.FinalReplyContaining("screen")).ToHaveCountAsync(1);

        var panel = await widget.Panel.BoundingBoxAsync();
        Assert.NotNull(panel);
        Assert.InRange(panel.X, -0.5, 0.5);
        Assert.InRange(panel.Width, 359.5, 360.5);
        Assert.True(panel.Y >= -0.5 && panel.Y + panel.Height <= 740.5, $"panel {panel.Y}+{panel.Height} exceeds the 740 px viewport");
        foreach (var box in await Boxes(session.Page, ".ca-bubble, .ca-composer, .ca-header"))
        {
            Assert.True(box.X >= -0.5 && box.X + box.Width <= 360.5, $"an element spans {box.X}..{box.X + box.Width}, outside 0..360");
        }
        var overflow = await session.Page.EvaluateAsync<JsonElement>(
            "() => { const s = document.querySelector('[data-chatagent]').shadowRoot.querySelector('.ca-scroller'); return { scroll: s.scrollWidth, client: s.clientWidth, page: document.documentElement.scrollWidth }; }");
        Assert.True(overflow.GetProperty("scroll").GetInt32() <= overflow.GetProperty("client").GetInt32(), $"the transcript scrolls sideways: {overflow}");
        Assert.True(overflow.GetProperty("page").GetInt32() <= 360, $"the page scrolls sideways: {overflow}");
        await Expect(widget.SendButton).ToBeInViewportAsync();
    }

    [Fact]
    public async Task A_keyboard_user_can_open_the_chat_send_and_close_it_with_escape()
    {
        await using var session = await fixture.NewSessionAsync();
        var widget = new WidgetPage(session.Page);
        await widget.GotoShopAsync();

        // The launcher is the next tab stop after the page's last link.
        await session.Page.GetByRole(AriaRole.Link, new() { Name = "Chat with us" }).FocusAsync();
        await session.Page.Keyboard.PressAsync("Tab");
        await Expect(widget.Launcher).ToBeFocusedAsync();
        await Expect(widget.Launcher).ToHaveAttributeAsync("aria-expanded", "false");

        await session.Page.Keyboard.PressAsync("Enter");
        await Expect(widget.Panel).ToBeVisibleAsync();
        await Expect(widget.Input).ToBeFocusedAsync();
        await Expect(widget.Launcher).ToHaveAttributeAsync("aria-expanded", "true");

        await session.Page.Keyboard.TypeAsync("first line");
        await session.Page.Keyboard.PressAsync("Shift+Enter");
        await session.Page.Keyboard.TypeAsync("second line");
        await Expect(widget.Input).ToHaveValueAsync("first line\nsecond line");
        await session.Page.Keyboard.PressAsync("Enter");
        await Expect(widget.UserMessages.Last).ToContainTextAsync("second line");
        await Expect(widget.FinalReplyContaining("second")).ToHaveCountAsync(1);

        await session.Page.Keyboard.PressAsync("Escape");
        await Expect(widget.Panel).ToBeHiddenAsync();
        await Expect(widget.Launcher).ToBeFocusedAsync();
        await Expect(widget.Launcher).ToHaveAttributeAsync("aria-expanded", "false");
    }

    [Fact]
    public async Task The_open_chat_has_labelled_controls_a_live_region_and_no_serious_accessibility_violations()
    {
        await using var session = await fixture.NewSessionAsync();
        var widget = new WidgetPage(session.Page);
        await widget.GotoShopAsync();
        await Expect(session.Page.GetByRole(AriaRole.Button, new() { NameRegex = WidgetPage.OpenChatName() })).ToBeVisibleAsync();
        await widget.OpenAsync();
        await widget.SendAsync("help");
        await Expect(widget.Suggestions.GetByRole(AriaRole.Button)).Not.ToHaveCountAsync(0);

        await Expect(session.Page.GetByRole(AriaRole.Dialog, new() { Name = "Harbor & Pine support" })).ToBeVisibleAsync();
        await Expect(session.Page.GetByRole(AriaRole.List, new() { Name = "Conversation" })).ToBeVisibleAsync();
        var live = session.Page.Locator(".ca-root [aria-live='polite']").Filter(new() { HasText = "says:" });
        await Expect(live).ToHaveCountAsync(1); // the bot's reply was announced

        var results = await session.Page.RunAxe();
        var serious = results.Violations
            .Where(v => v.Impact is "serious" or "critical")
            .Where(v => v.Nodes.Any(n => n.Target.ToString().Contains("ca-", StringComparison.Ordinal) || n.Html.Contains("ca-", StringComparison.Ordinal)))
            .Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join("; ", v.Nodes.Select(n => n.Target))}")
            .ToList();
        Assert.True(serious.Count == 0, "axe found: " + string.Join(Environment.NewLine, serious));
    }

    [Fact]
    public async Task A_reply_that_arrives_while_the_chat_is_closed_shows_an_unread_badge_until_opened()
    {
        await using var session = await fixture.NewSessionAsync();
        var widget = new WidgetPage(session.Page);
        await widget.GotoShopAsync();

        // The shop's own script may send on the customer's behalf (window.ChatAgent is the widget's public API).
        await session.Page.EvaluateAsync("() => window.ChatAgent.send('sent from the shop page')");
        var badge = session.Page.Locator(".ca-badge");
        await Expect(badge).ToHaveTextAsync("1");
        await Expect(widget.Launcher).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("1 new message"));
        await Expect(widget.Panel).ToBeHiddenAsync();

        await widget.Launcher.ClickAsync();
        await Expect(badge).ToBeHiddenAsync();
        await Expect(widget.FinalReplyContaining("page")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task The_token_is_refreshed_before_it_expires_and_the_chat_keeps_working()
    {
        await using var session = await fixture.NewSessionAsync();
        await session.Page.Clock.InstallAsync(); // the widget's timers run on a clock the test moves
        var widget = new WidgetPage(session.Page);
        await widget.GotoShopAsync();
        await widget.OpenAsync();
        await widget.SendAsync("before the refresh");
        await Expect(widget.FinalReplyContaining("refresh")).ToHaveCountAsync(1);
        var expiryBefore = await StoredExpiryAsync(session.Page);

        // Tokens live DirectLine:TokenLifetimeMinutes (60); the widget refreshes at half-life.
        var refresh = session.Page.WaitForResponseAsync("**/v3/directline/tokens/refresh");
        await session.Page.Clock.FastForwardAsync("31:00");
        Assert.Equal(200, (await refresh).Status);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await StoredExpiryAsync(session.Page) <= expiryBefore + 30 * 60_000 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        // The stored token now runs a full lifetime from the (moved) clock: it was replaced by the refreshed one.
        Assert.True(await StoredExpiryAsync(session.Page) > expiryBefore + 30 * 60_000);

        await widget.SendAsync("after the refresh");
        await Expect(widget.FinalReplyContaining("after")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task Help_shows_suggested_actions_as_buttons_that_send_their_value()
    {
        await using var session = await fixture.NewSessionAsync();
        var widget = new WidgetPage(session.Page);
        await widget.GotoShopAsync();
        await widget.OpenAsync();
        await widget.SendAsync("help");

        var button = widget.Suggestions.GetByRole(AriaRole.Button, new() { Name = "Where is my order?" });
        await Expect(button).ToBeVisibleAsync();
        await button.ClickAsync();

        await Expect(widget.UserMessages.Last).ToContainTextAsync("Where is my order?");
        await Expect(widget.Suggestions).ToBeHiddenAsync();
        await Expect(widget.FinalReplyContaining("order?")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task A_failed_send_is_marked_and_retry_delivers_it()
    {
        await using var session = await fixture.NewSessionAsync();
        var widget = new WidgetPage(session.Page);
        var failNext = true;
        await session.Page.RouteAsync("**/v3/directline/conversations/*/activities", async route =>
        {
            if (route.Request.Method == "POST" && failNext)
            {
                failNext = false;
                await route.AbortAsync("connectionreset");
                return;
            }
            await route.ContinueAsync();
        });
        await widget.GotoShopAsync();
        await widget.OpenAsync();

        await widget.SendAsync("try again later");
        var message = widget.UserMessages.Last;
        await Expect(message).ToHaveAttributeAsync("data-state", "failed");
        await Expect(message).ToContainTextAsync("Not sent");
        await Expect(widget.BotMessages).ToHaveCountAsync(0);

        await message.GetByRole(AriaRole.Button, new() { Name = "Retry sending this message" }).ClickAsync();
        await Expect(message).ToHaveAttributeAsync("data-state", "sent");
        await Expect(widget.FinalReplyContaining("later")).ToHaveCountAsync(1);
        await Expect(widget.UserMessages).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task Without_websockets_the_widget_falls_back_to_polling()
    {
        await using var session = await fixture.NewSessionAsync();
        var sockets = 0;
        session.Page.WebSocket += (_, _) => Interlocked.Increment(ref sockets);
        await session.Context.AddInitScriptAsync("delete window.WebSocket;");
        var widget = new WidgetPage(session.Page);
        await widget.GotoShopAsync();
        await widget.OpenAsync();

        await widget.SendAsync("polling works");
        await Expect(widget.FinalReplyContaining("works")).ToHaveCountAsync(1);
        await Expect(widget.UserMessages.Last).ToHaveAttributeAsync("data-state", "sent");
        Assert.Equal(0, sockets);
    }

    [Fact]
    public async Task When_websocket_upgrades_keep_failing_the_widget_switches_to_polling()
    {
        await using var session = await fixture.NewSessionAsync();
        var attempts = 0;
        await session.Page.RouteWebSocketAsync("**/v3/directline/conversations/*/stream**", async ws =>
        {
            Interlocked.Increment(ref attempts);
            await ws.CloseAsync(new() { Code = 1011, Reason = "blocked by a proxy" });
        });
        var widget = new WidgetPage(session.Page);
        await widget.GotoShopAsync();
        await widget.Launcher.ClickAsync();

        await widget.SendAsync("through the proxy");
        await Expect(widget.FinalReplyContaining("proxy")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Expect(widget.Status).ToHaveAttributeAsync("data-status", "online");
        Assert.True(attempts >= 2, $"expected repeated WebSocket attempts before falling back, saw {attempts}");
    }

    [Fact]
    public async Task A_dropped_connection_reconnects_and_delivers_the_reply_missed_meanwhile_once()
    {
        await using var session = await fixture.NewSessionAsync();
        var routes = new List<(IWebSocketRoute Page, IWebSocketRoute Server)>();
        await session.Page.RouteWebSocketAsync("**/v3/directline/conversations/*/stream**", ws =>
        {
            var server = ws.ConnectToServer();
            lock (routes) { routes.Add((ws, server)); }
        });
        var widget = new WidgetPage(session.Page);
        await widget.GotoShopAsync();
        await widget.OpenAsync();
        await widget.SendAsync("before the drop");
        await Expect(widget.FinalReplyContaining("drop")).ToHaveCountAsync(1);

        // Drop the stream, and send while it is down: the reply is produced while no socket listens.
        var (page, server) = routes[^1];
        await server.CloseAsync();
        await page.CloseAsync(new() { Code = 1006 });
        await Expect(widget.Status).Not.ToHaveAttributeAsync("data-status", "online", new() { Timeout = 5_000 });
        await widget.SendAsync("during the drop");

        await Expect(widget.FinalReplyContaining("during")).ToHaveCountAsync(1);
        await Expect(widget.Status).ToHaveAttributeAsync("data-status", "online");
        Assert.True(routes.Count >= 2, "the widget did not open a new stream");
        await Expect(widget.BotMessages).ToHaveCountAsync(2);
        await Expect(widget.UserMessages).ToHaveCountAsync(2);
    }

    [Fact]
    public async Task Messages_from_a_person_show_the_agents_name_and_bot_messages_say_bot()
    {
        await using var session = await fixture.NewSessionAsync();
        IWebSocketRoute? stream = null;
        await session.Page.RouteWebSocketAsync("**/v3/directline/conversations/*/stream**", ws =>
        {
            ws.ConnectToServer();
            stream = ws;
        });
        var widget = new WidgetPage(session.Page);
        await widget.GotoShopAsync();
        await widget.OpenAsync();
        await widget.SendAsync("i want a person");
        var botReply = widget.FinalReplyContaining("person");
        await Expect(botReply).ToHaveCountAsync(1);
        await Expect(botReply.Locator(".ca-role")).ToHaveTextAsync("Bot");

        // The agent console's messages arrive on the same stream in this shape (role bot, sender agent).
        var frame = JsonSerializer.Serialize(new
        {
            activities = new object[]
            {
                new
                {
                    type = "message",
                    id = "agent-activity-1",
                    from = new { id = "agent:maria", name = "Maria Lopez", role = "bot" },
                    text = "Hi, I'm **Maria** from the support team.",
                    textFormat = "markdown",
                    channelData = new { sender = "agent" },
                },
            },
        });
        Assert.NotNull(stream);
        stream.Send(frame);

        var agentMessage = session.Page.Locator(".ca-msg-agent");
        await Expect(agentMessage).ToHaveCountAsync(1);
        await Expect(agentMessage.Locator(".ca-sender")).ToHaveTextAsync("Maria Lopez");
        await Expect(agentMessage.Locator(".ca-role")).ToHaveTextAsync("Support agent");
        await Expect(agentMessage.Locator("strong")).ToHaveTextAsync("Maria");
        await Expect(session.Page.Locator(".ca-divider")).ToContainTextAsync("Maria Lopez (support agent) joined the chat");
        await Expect(widget.Status).ToContainTextAsync("Chatting with Maria Lopez");
    }

    [Fact]
    public async Task Bot_markdown_renders_a_safe_subset_and_everything_else_stays_text()
    {
        await using var session = await fixture.NewSessionAsync();
        IWebSocketRoute? stream = null;
        await session.Page.RouteWebSocketAsync("**/v3/directline/conversations/*/stream**", ws =>
        {
            ws.ConnectToServer();
            stream = ws;
        });
        var widget = new WidgetPage(session.Page);
        await widget.GotoShopAsync();
        await widget.OpenAsync();
        Assert.NotNull(stream);

        const string markdown = """
            **Order W123** is *on its way*.

            - tracking: `1Z999`
            - carrier: [UPS](https://www.ups.com/track?n=1Z999)

            1. open the box
            2. check the **items**

            ```
            <b>not bold</b>
            ```
            [bad](javascript:alert(1)) [data](data:text/html,hi) <i onmouseover=alert(1)>raw</i> mail [us](mailto:help@example.com)
            """;
        stream.Send(JsonSerializer.Serialize(new
        {
            activities = new object[]
            {
                new { type = "message", id = "md-1", from = new { id = "chatagent", name = "Shop assistant", role = "bot" }, text = markdown, textFormat = "markdown" },
            },
        }));

        var bubble = session.Page.Locator(".ca-msg-bot[data-activity-id='md-1'] .ca-bubble");
        await Expect(bubble).ToHaveCountAsync(1);
        await Expect(bubble.Locator("strong").First).ToHaveTextAsync("Order W123");
        await Expect(bubble.Locator("em")).ToHaveTextAsync("on its way");
        await Expect(bubble.Locator("ul > li")).ToHaveCountAsync(2);
        await Expect(bubble.Locator("ol > li")).ToHaveCountAsync(2);
        await Expect(bubble.Locator("li code")).ToHaveTextAsync("1Z999");
        await Expect(bubble.Locator("pre code")).ToHaveTextAsync("<b>not bold</b>");
        var links = bubble.Locator("a");
        await Expect(links).ToHaveCountAsync(2);
        await Expect(links.Nth(0)).ToHaveAttributeAsync("href", "https://www.ups.com/track?n=1Z999");
        await Expect(links.Nth(0)).ToHaveAttributeAsync("rel", "noopener noreferrer");
        await Expect(links.Nth(0)).ToHaveAttributeAsync("target", "_blank");
        await Expect(links.Nth(1)).ToHaveAttributeAsync("href", "mailto:help@example.com");
        await Expect(bubble).ToContainTextAsync("<i onmouseover=alert(1)>raw</i>");
        Assert.Equal(0, await bubble.Locator("b, i, [onmouseover]").CountAsync());
        Assert.Empty(session.Errors);
    }

    private static Task<double> StoredExpiryAsync(IPage page) => page.EvaluateAsync<double>(
        "() => { for (const s of [localStorage, sessionStorage]) for (let i = 0; i < s.length; i++) { const k = s.key(i); if (k.startsWith('chatagent:v1:') && !k.endsWith(':ui')) return JSON.parse(s.getItem(k)).expiresAt ?? 0; } return 0; }");

    private static Task RecordStreamGrowthAsync(IPage page) => page.EvaluateAsync(
        """
        () => {
          const root = document.querySelector('[data-chatagent]').shadowRoot;
          window.__streamGrowth = [];
          new MutationObserver(() => {
            for (const item of root.querySelectorAll('.ca-msg[data-stream-id].ca-streaming')) {
              const length = item.querySelector('.ca-bubble').innerText.length;
              const last = window.__streamGrowth.at(-1);
              if (!last || last.length !== length) window.__streamGrowth.push({ streamId: item.dataset.streamId, length });
            }
          }).observe(root, { subtree: true, childList: true, characterData: true });
        }
        """);

    private static async Task<List<LocatorBoundingBoxResult>> Boxes(IPage page, string selector)
    {
        var boxes = new List<LocatorBoundingBoxResult>();
        foreach (var element in await page.Locator(selector).AllAsync())
        {
            if (await element.BoundingBoxAsync() is { } box)
            {
                boxes.Add(box);
            }
        }
        return boxes;
    }
}
