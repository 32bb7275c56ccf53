using ChatAgent.Conversations.Service;
using ChatAgent.Orchestration.Replies;
using ChatAgent.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace ChatAgent.Web.Tests.Infrastructure;

/// <summary>One real host and one Chromium shared by the browser tests; every test gets its own browser context.</summary>
public sealed class BrowserHostFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public ChatAgentTestHost Host { get; private set; } = null!;

    public string BaseUrl => Host.BaseUrl;

    public async ValueTask InitializeAsync()
    {
        // Browser tests use the echo bot, with product cards and suggested actions on two fixed questions.
        Host = await ChatAgentTestHost.StartAsync(
            new Dictionary<string, string?> { ["Orchestrator:Enabled"] = "false" },
            services => services.AddSingleton<IBot>(sp => new CardsBot(sp.GetRequiredService<ProductCards>())));
        // Browsers on a 2-core CI runner are slow; the widget's own timings are far shorter than this.
        Assertions.SetDefaultExpectTimeout(15_000);
    }

    /// <summary>Chromium, launched on first use so a missing browser fails only the tests that need it, with the fix.</summary>
    public async Task<IBrowser> BrowserAsync()
    {
        var chromium = WebTools.RequireChromium();
        await _gate.WaitAsync();
        try
        {
            if (_browser is null)
            {
                _playwright = await Playwright.CreateAsync();
                _browser = await _playwright.Chromium.LaunchAsync(new()
                {
                    ExecutablePath = chromium,
                    Headless = true,
                    Args = WebTools.ChromiumArgs,
                });
            }
            return _browser;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A fresh, isolated browser context (own storage) at the given viewport.</summary>
    public async Task<BrowserSession> NewSessionAsync(int width = 1280, int height = 800)
    {
        var browser = await BrowserAsync();
        var context = await browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = width, Height = height },
            BaseURL = BaseUrl,
            Locale = "en-US",
        });
        context.SetDefaultTimeout(45_000);
        var page = await context.NewPageAsync();
        return new BrowserSession(context, page);
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }
        _playwright?.Dispose();
        await Host.DisposeAsync();
        _gate.Dispose();
    }
}

/// <summary>A browser context and its page, with what the page reported (errors, dialogs) for the assertions.</summary>
public sealed class BrowserSession : IAsyncDisposable
{
    public BrowserSession(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
        page.PageError += (_, error) => { lock (Errors) { Errors.Add(error); } };
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (ConsoleErrors) { ConsoleErrors.Add(message.Text); }
            }
        };
        page.Dialog += async (_, dialog) =>
        {
            lock (Dialogs) { Dialogs.Add($"{dialog.Type}: {dialog.Message}"); }
            await dialog.DismissAsync();
        };
    }

    public IBrowserContext Context { get; }
    public IPage Page { get; }
    public List<string> Errors { get; } = [];
    public List<string> ConsoleErrors { get; } = [];
    public List<string> Dialogs { get; } = [];

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserHostFixture>
{
    // One collection: the browser tests share the host and Chromium and run one after another, which keeps
    // their timing honest on a 2-core runner.
    public const string Name = "browser";
}
