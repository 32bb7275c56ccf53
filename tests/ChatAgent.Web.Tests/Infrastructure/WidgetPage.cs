using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatAgent.Web.Tests.Infrastructure;

/// <summary>The widget as a customer sees it (Playwright's locators reach into its open shadow root).</summary>
public sealed partial class WidgetPage(IPage page)
{
    public IPage Page { get; } = page;

    public ILocator Launcher => Page.Locator(".ca-launcher");
    public ILocator Panel => Page.GetByRole(AriaRole.Dialog);
    public ILocator Input => Page.GetByRole(AriaRole.Textbox, new() { Name = "Message", Exact = true });
    public ILocator SendButton => Page.GetByRole(AriaRole.Button, new() { Name = "Send message" });
    public ILocator CloseButton => Page.GetByRole(AriaRole.Button, new() { Name = "Close chat", Exact = true });
    public ILocator UserMessages => Page.Locator(".ca-msg-user");
    public ILocator BotMessages => Page.Locator(".ca-msg-bot:not(.ca-greeting)");
    public ILocator Suggestions => Page.GetByRole(AriaRole.Group, new() { Name = "Suggested replies" });
    public ILocator Status => Page.Locator(".ca-status");

    public async Task GotoShopAsync()
    {
        await Page.GotoAsync("/");
        await Expect(Launcher).ToBeVisibleAsync();
    }

    public async Task OpenAsync()
    {
        await Launcher.ClickAsync();
        await Expect(Panel).ToBeVisibleAsync();
        await Expect(Status).ToHaveAttributeAsync("data-status", "online");
    }

    public async Task SendAsync(string text)
    {
        await Input.FillAsync(text);
        await Input.PressAsync("Enter");
    }

    /// <summary>The bot's finished (no longer streaming) reply that contains <paramref name="marker"/>.</summary>
    public ILocator FinalReplyContaining(string marker) =>
        Page.Locator(".ca-msg-bot:not(.ca-streaming):not(.ca-greeting)").Filter(new() { HasText = marker });

    public Task<string?> ConversationIdAsync() => Page.EvaluateAsync<string?>(
        "() => { for (const s of [sessionStorage, localStorage]) for (let i = 0; i < s.length; i++) { const k = s.key(i); if (k.startsWith('chatagent:v1:') && !k.endsWith(':ui')) return JSON.parse(s.getItem(k)).conversationId ?? null; } return null; }");

    [GeneratedRegex("^Open chat")]
    public static partial Regex OpenChatName();
}
