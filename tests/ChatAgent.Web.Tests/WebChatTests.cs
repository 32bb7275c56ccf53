using ChatAgent.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatAgent.Web.Tests;

/// <summary>
/// Bot Framework Web Chat 4.18.1 (its prebuilt dist/webchat.js from node_modules, never committed) in Chromium
/// against the host: what a shop that already uses Web Chat gets when it points Web Chat at us.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class WebChatTests(BrowserHostFixture fixture)
{
    // The bundle is served by the test through Playwright's routing (the host has no such file). The page itself is
    // written into a document the host really served: Chromium's local-network-access checks block a WebSocket to
    // 127.0.0.1 from a document Playwright fulfilled (ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS).
    private const string BundlePath = "/__webchat-test/webchat.js";

    private const string PageHtml = """
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>Web Chat against ChatAgent</title>
        <script src="/__webchat-test/webchat.js"></script>
        <style>html, body, #webchat { height: 100%; margin: 0; }</style></head>
        <body>
        <div id="webchat" role="main"></div>
        <script>
          (async () => {
            const response = await fetch('/demo/token', { method: 'POST' });
            const { token } = await response.json();
            window.WebChat.renderWebChat({
              directLine: window.WebChat.createDirectLine({ token, domain: location.origin + '/v3/directline' }),
              userID: 'webchat-test-user',
              locale: 'en-US'
            }, document.getElementById('webchat'));
            document.body.dataset.rendered = 'true';
          })().catch(error => { document.body.dataset.error = String(error); });
        </script>
        </body>
        </html>
        """;

    private async Task<BrowserSession> OpenWebChatAsync(int width = 1280, int height = 800)
    {
        var bundle = WebTools.RequireWebChatBundle();
        var session = await fixture.NewSessionAsync(width, height);
        var page = session.Page;
        await page.RouteAsync(fixture.BaseUrl + BundlePath, route =>
            route.FulfillAsync(new() { Path = bundle, ContentType = "text/javascript; charset=utf-8" }));
        await page.GotoAsync("/health");
        await page.SetContentAsync(PageHtml);
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-rendered", "true");
        await Expect(page.Locator("[data-id='webchat-sendbox-input']")).ToBeEditableAsync();
        // Text typed before Web Chat has connected is dropped; its screen-reader status says when it has.
        await Expect(page.GetByText("Connectivity Status: Connected")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        return session;
    }

    [Theory]
    [InlineData(1280, 800)]
    [InlineData(360, 740)]
    public async Task Web_chat_draws_three_livestreamed_replies_each_below_the_question_it_answers(int width, int height)
    {
        await using var session = await OpenWebChatAsync(width, height);
        var page = session.Page;
        var sendBox = page.Locator("[data-id='webchat-sendbox-input']");
        // The bubbles themselves (the screen-reader live region repeats every message as text too).
        var bubbles = page.Locator(".webchat__basic-transcript__transcript .webchat__bubble__content");
        string[] questions = ["where is my order", "my email is alpha at example dot com", "order number W8771299"];
        foreach (var question in questions)
        {
            await sendBox.FillAsync(question);
            await sendBox.PressAsync("Enter");
            await Expect(bubbles.Filter(new() { HasText = "You said: " + question })).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        }

        // Web Chat's own order of the activities on screen: question, its answer, next question, its answer...
        var shown = (await bubbles.AllInnerTextsAsync())
            .Select(text => text.Trim())
            .Where(text => text.Length > 0)
            .ToList();
        var expected = questions.SelectMany(q => new[] { q, "You said: " + q }).ToList();
        var positions = expected.Select(line => shown.FindIndex(text => text.StartsWith(line, StringComparison.Ordinal))).ToList();
        Assert.True(positions.All(p => p >= 0), "missing: " + string.Join(" | ", shown));
        Assert.True(positions.SequenceEqual(positions.Order()) && positions.Distinct().Count() == positions.Count,
            "Web Chat shows the turns out of order: " + string.Join(" | ", shown));
        Assert.Equal(6, shown.Count);
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task Web_chat_draws_product_results_as_hero_cards_and_orders_as_suggested_actions()
    {
        await using var session = await OpenWebChatAsync();
        var page = session.Page;
        var sendBox = page.Locator("[data-id='webchat-sendbox-input']");
        await sendBox.FillAsync(CardsBot.ShowProducts);
        await sendBox.PressAsync("Enter");

        var transcript = page.Locator(".webchat__basic-transcript__transcript");
        await Expect(transcript.Locator(".webchat__carousel-layout")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Expect(transcript.GetByText("$768.27–$1,014.45")).ToHaveCountAsync(1);
        await Expect(transcript.GetByRole(AriaRole.Button, new() { Name = "View product" })).Not.ToHaveCountAsync(0);

        await sendBox.FillAsync(CardsBot.WhichOrder);
        await sendBox.PressAsync("Enter");
        var order = page.GetByRole(AriaRole.Toolbar, new() { Name = "Suggested actions" }).GetByRole(AriaRole.Button, new() { Name = "#W8771299 (shipped)" });
        await Expect(order).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await order.ClickAsync();
        await Expect(transcript.Locator(".webchat__bubble__content").Filter(new() { HasText = "You said: #W8771299" })).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task Web_chat_sends_a_message_that_is_not_marked_failed_and_shows_the_bots_reply()
    {
        await using var session = await OpenWebChatAsync();
        var page = session.Page;
        var sendBox = page.Locator("[data-id='webchat-sendbox-input']");

        await sendBox.FillAsync("hello from web chat");
        await sendBox.PressAsync("Enter");

        // The bot's livestreamed echo ends as one final message.
        var transcript = page.Locator(".webchat__basic-transcript");
        await Expect(transcript.GetByText("You said: hello from web chat")).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        await Expect(transcript.GetByText("hello from web chat", new() { Exact = true })).ToHaveCountAsync(1);

        // Web Chat shows "Sending" until the server echoes the activity back with its clientActivityID, and
        // "Send failed. Retry." if that never happens; the status must settle on the timestamp instead.
        await Expect(page.Locator(".webchat__activity-status").Filter(new() { HasText = "Sending" })).ToHaveCountAsync(0);
        await Expect(page.GetByText("Send failed")).ToHaveCountAsync(0);
        await Expect(page.Locator(".webchat__activity-status").Filter(new() { HasText = "Just now" }).First).ToBeVisibleAsync();
        Assert.Null(await page.Locator("body").GetAttributeAsync("data-error"));
        Assert.Empty(session.Errors);
    }
}
