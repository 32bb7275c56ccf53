using Stopwatch = System.Diagnostics.Stopwatch;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Store;
using ChatAgent.Orchestration.Handoff;
using ChatAgent.Orchestration.State;
using ChatAgent.Shop;
using ChatAgent.Shop.Import;
using ChatAgent.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.Orchestration.Tests;

/// <summary>A customer of the shop under test, with their orders (items, status, tracking) as the store has them.</summary>
public sealed record DialogueCustomer(string Id, string Email, string FirstName, string LastName, string Zip, IReadOnlyList<Order> Orders, bool HasGiftCard = false);

/// <summary>
/// One multi-turn conversation of the dialogue suite: which customer fits it, what they say (in their own words, typos
/// included; placeholders filled from that customer's data), and how it is judged — on the store's state read back
/// afterwards and on facts in the answers (order ids, tracking ids), never on wording.
/// </summary>
public sealed record DialogueCase(string Name, Func<DialogueCustomer, Pick?> Fits, Func<Pick, string[]> Turns, Func<Pick, DialogueRun, Task> Judge)
{
    public override string ToString() => Name;
}

/// <summary>The customer a case picked, and the order and item it is about.</summary>
public sealed record Pick(DialogueCustomer Customer, Order Order, OrderItem? Item = null, Order? Other = null);

/// <summary>What a conversation produced: the bot's answers per turn, and access to the store.</summary>
public sealed class DialogueRun(ChatAgentTestHost host, string conversationId, List<List<Activity>> answers)
{
    public ChatAgentTestHost Host => host;
    public string ConversationId => conversationId;
    public List<List<Activity>> Answers => answers;
    public string AllText => string.Join("\n", answers.SelectMany(a => a).Select(a => a.Text));
    public JsonObject? LastState => answers.LastOrDefault(a => a.Count > 0)?.Last().ChannelData?[TranscriptEvents.StateKey] as JsonObject;

    public async Task<Order> OrderAsync(string id)
    {
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<ShopDbContext>>().CreateDbContextAsync();
        return await db.Orders.AsNoTracking().Include(o => o.Items).FirstAsync(o => o.Id == id);
    }

    public async Task<List<JsonObject>> ToolsAsync() => (await DemoShopTesting.TranscriptAsync(host, conversationId))
        .Where(a => a.Type == ActivityTypes.Event && a.Name == TranscriptEvents.Tool).Select(a => (JsonObject)a.Value!).ToList();

    public async Task<ConversationStatus> StatusAsync() =>
        (await host.Services.GetRequiredService<ConversationStore>().FindConversationAsync(conversationId, CancellationToken.None))!.Status;
}

/// <summary>Runs dialogue cases against one shared host; records every turn's time for the report.</summary>
public abstract class DialogueShopHost : IAsyncLifetime
{
    private readonly HashSet<string> _used = [];
    private List<DialogueCustomer>? _customers;
    public static readonly List<(string Case, double Seconds)> TurnTimes = [];
    public static readonly List<(string Case, bool Passed)> Outcomes = [];

    public ChatAgentTestHost Host { get; private set; } = null!;

    public string? SkipReason { get; protected set; }

    protected abstract Task<ChatAgentTestHost?> StartAsync();

    public async ValueTask InitializeAsync() => Host = (await StartAsync())!;

    public async ValueTask DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }

    public static Dictionary<string, string?> Settings(params (string, string?)[] extra)
    {
        var settings = TestSettings.Base(extra);
        settings["Shop:MaxVerificationAttempts"] = "5";
        settings["Plugins:Enabled:0"] = "orders";
        settings["Plugins:Enabled:1"] = "products";
        settings["Plugins:Enabled:2"] = "recommendations";
        settings["Plugins:Enabled:3"] = "store_hours";
        return settings;
    }

    private readonly SemaphoreSlim _load = new(1, 1);

    private async Task<List<DialogueCustomer>> CustomersAsync()
    {
        await _load.WaitAsync();
        try
        {
            return _customers ??= await LoadCustomersAsync();
        }
        finally
        {
            _load.Release();
        }
    }

    private async Task<List<DialogueCustomer>> LoadCustomersAsync()
    {
        await using var db = await Host.Services.GetRequiredService<IDbContextFactory<ShopDbContext>>().CreateDbContextAsync();
        var customers = await db.Customers.AsNoTracking().Include(c => c.PaymentMethods).Include(c => c.Orders).ThenInclude(o => o.Items).Include(c => c.Orders).ThenInclude(o => o.Fulfillments).AsSplitQuery()
            .OrderBy(c => c.Id).Take(600).ToListAsync();
        return customers.Select(c => new DialogueCustomer(c.Id, c.Email, c.FirstName, c.LastName, c.Address.Zip,
            c.Orders.OrderByDescending(o => o.CreatedAt).ThenBy(o => o.Id, StringComparer.Ordinal).ToList(), c.PaymentMethods.Any(m => m.Kind == PaymentMethodKind.GiftCard))).ToList();
    }

    public async Task RunAsync(DialogueCase scenario)
    {
        Pick? pick = null;
        var customers = await CustomersAsync();
        lock (_used)
        {
            foreach (var c in customers)
            {
                if (!_used.Contains(c.Id) && scenario.Fits(c) is { } p)
                {
                    _used.Add(c.Id);
                    pick = p;
                    break;
                }
            }
        }
        Assert.SkipWhen(pick is null, $"no customer of this shop fits '{scenario.Name}'");
        using var chat = await DirectLineChat.StartAsync(Host);
        var answers = new List<List<Activity>>();
        var passed = false;
        try
        {
            foreach (var raw in scenario.Turns(pick!))
            {
                var awaiting = answers.LastOrDefault(a => a.Count > 0)?.Last().ChannelData?[TranscriptEvents.StateKey]?["awaiting"]?.GetValue<string>();
                var text = raw;
                if (raw == "{refund?}")
                {
                    if (awaiting != "refund_method") continue;
                    text = "back to the original payment method please";
                }
                if (raw == "{giftcard}")
                {
                    text = awaiting == "refund_method" ? "to my gift card" : "can the refund go to my gift card instead?";
                }
                var watch = Stopwatch.StartNew();
                answers.Add([.. await chat.AskAsync(text)]);
                lock (TurnTimes) TurnTimes.Add((scenario.Name, watch.Elapsed.TotalSeconds));
            }
            await scenario.Judge(pick!, new DialogueRun(Host, chat.ConversationId, answers));
            passed = true;
        }
        catch (Exception e) when (e is not Xunit.Sdk.SkipException)
        {
            var transcript = string.Join("\n", (await DemoShopTesting.TranscriptAsync(Host, chat.ConversationId)).Where(a => a.Type == ActivityTypes.Message).Select(a => $"{a.From?.Role}: {a.Text}"));
            throw new Xunit.Sdk.XunitException($"{scenario.Name} failed: {e.Message}\n--- transcript ---\n{transcript}");
        }
        finally
        {
            lock (Outcomes) Outcomes.Add((scenario.Name, passed));
            var slowest = TurnTimes.Count == 0 ? 0 : TurnTimes.Max(t => t.Seconds);
            var rate = Outcomes.Count == 0 ? 0 : Outcomes.Count(o => o.Passed) * 100.0 / Outcomes.Count;
            TestContext.Current.SendDiagnosticMessage($"dialogue suite so far: {Outcomes.Count(o => o.Passed)}/{Outcomes.Count} passed ({rate:F0}%), slowest turn {slowest:F2}s");
            double median;
            lock (TurnTimes) median = TurnTimes.Count == 0 ? 0 : TurnTimes.Select(t => t.Seconds).Order().ElementAt(TurnTimes.Count / 2);
            var line = $"[dialogue] {scenario.Name}: {(passed ? "pass" : "FAIL")}; so far {Outcomes.Count(o => o.Passed)}/{Outcomes.Count} passed, {TurnTimes.Count} turns, median turn {median:F2}s, slowest turn {slowest:F2}s ({TurnTimes.MaxBy(t => t.Seconds).Case})";
            TestContext.Current.TestOutputHelper?.WriteLine(line);
            // The figures for the report: pass rate and slowest turn of this run.
            lock (Outcomes) File.WriteAllText(Path.Combine(Path.GetTempPath(), "chatagent-dialogue-suite.txt"), line + Environment.NewLine);
        }
    }
}

public sealed class DemoDialogueHost : DialogueShopHost
{
    protected override async Task<ChatAgentTestHost?> StartAsync()
    {
        var settings = Settings();
        // Enough customers that every case finds its own (a pending order with a product no other order of theirs has, ...).
        settings["Shop:DemoCustomers"] = "150";
        var host = await ChatAgentTestHost.StartAsync(settings);
        await ShopData.WaitForCatalogIndexAsync(host);
        return host;
    }
}

public sealed class TauDialogueHost : DialogueShopHost
{
    protected override async Task<ChatAgentTestHost?> StartAsync()
    {
        var path = Path.Combine(SharedData.Directory, "tau-retail", "db.json");
        if (!File.Exists(path))
        {
            SkipReason = $"../shared/data/tau-retail/db.json not found at {path}: the shared datasets live beside the clone (see README).";
            if (Environment.GetEnvironmentVariable(SharedData.RequireVariable) == "1")
            {
                throw new InvalidOperationException(SkipReason + $" {SharedData.RequireVariable}=1 requires it.");
            }
            return null;
        }
        var settings = Settings();
        settings["Shop:SeedDemoData"] = "false";
        var host = await ChatAgentTestHost.StartAsync(settings);
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<ShopDbContext>>().CreateDbContextAsync();
        await new TauRetailImporter(db).ImportFileAsync(path, ImportProgress.Silent());
        return host;
    }
}

/// <summary>The conversations, built from what customers say; each fits any shop whose data has such a customer.</summary>
public static class DialogueCases
{
    private static string Email(Pick p) => p.Customer.Email;

    /// <summary>An item name that only this order of the customer's has.</summary>
    private static OrderItem? UniqueItem(DialogueCustomer c, Order o) =>
        o.Items.FirstOrDefault(i => c.Orders.Where(x => x.Id != o.Id).All(x => x.Items.All(j => !SharesWord(j.Name, i.Name))) && o.Items.Count(j => j.Name == i.Name) == 1);

    private static bool SharesWord(string a, string b) =>
        a.ToLowerInvariant().Split(' ').Intersect(b.ToLowerInvariant().Split(' ')).Any();

    private static Pick? PendingWithUniqueItem(DialogueCustomer c, int minOrders = 2)
    {
        if (c.Orders.Count < minOrders) return null;
        foreach (var o in c.Orders.Where(o => o.Status == OrderStatus.Pending))
        {
            if (UniqueItem(c, o) is { } item) return new Pick(c, o, item);
        }
        return null;
    }

    private static Pick? DeliveredWithUniqueItem(DialogueCustomer c)
    {
        if (c.Orders.Count < 2) return null;
        foreach (var o in c.Orders.Where(o => o.Status == OrderStatus.Delivered && o.Items.Select(i => i.Name).Distinct().Count() >= 2))
        {
            var item = o.Items.FirstOrDefault(i => o.Items.Count(j => SharesWord(j.Name, i.Name)) == 1 && UniqueItem(c, o) is not null && c.Orders.Where(x => x.Id != o.Id).All(x => x.Items.All(j => !SharesWord(j.Name, i.Name))));
            if (item is not null) return new Pick(c, o, item);
        }
        return null;
    }

    private static string Lower(OrderItem i) => i.Name.ToLowerInvariant();

    /// <summary>One letter dropped from the longest word: "sleeping bag" → "sleping bag".</summary>
    private static string Typo(string name)
    {
        var words = name.ToLowerInvariant().Split(' ');
        var longest = words.OrderByDescending(w => w.Length).First();
        var typo = longest.Length >= 6 ? longest.Remove(longest.Length / 2, 1) : longest;
        return string.Join(' ', words.Select(w => w == longest ? typo : w));
    }

    private static async Task Cancelled(Pick p, DialogueRun run)
    {
        Assert.Equal(OrderStatus.Cancelled, (await run.OrderAsync(p.Order.Id)).Status);
        await OthersUntouched(p, run);
        Assert.Contains(p.Order.Id, run.AllText);
    }

    private static async Task Untouched(Pick p, DialogueRun run)
    {
        Assert.Equal(p.Order.Status, (await run.OrderAsync(p.Order.Id)).Status);
        await OthersUntouched(p, run);
    }

    private static async Task OthersUntouched(Pick p, DialogueRun run)
    {
        foreach (var other in p.Customer.Orders.Where(o => o.Id != p.Order.Id && (p.Other is null || o.Id != p.Other.Id)))
        {
            Assert.Equal(other.Status, (await run.OrderAsync(other.Id)).Status);
        }
        // Never a proposal for an order the customer did not mean.
        var proposed = (await run.ToolsAsync()).Where(t => t["function"]?.GetValue<string>() is "cancel_pending_order" or "return_delivered_order_items")
            .Select(t => t["arguments"]!["order_id"]!.GetValue<string>()).Distinct().ToList();
        Assert.All(proposed, id => Assert.True(id == p.Order.Id || p.Other?.Id == id, $"a change was proposed for {id}, not {p.Order.Id}"));
    }

    private static async Task Returned(Pick p, DialogueRun run)
    {
        var order = await run.OrderAsync(p.Order.Id);
        Assert.Equal(OrderStatus.ReturnRequested, order.Status);
        Assert.Equal([p.Item!.ItemId], order.ReturnItemIds);
        await OthersUntouched(p, run);
    }

    private static Task StatusTold(Pick p, DialogueRun run)
    {
        Assert.Contains(p.Order.Id, run.AllText);
        foreach (var tracking in p.Order.Fulfillments.SelectMany(f => f.TrackingIds))
        {
            Assert.Contains(tracking, run.AllText);
        }
        return Task.CompletedTask;
    }

    public static IEnumerable<DialogueCase> OrderCases() =>
    [
        // Cancelling by what was in the order, verification in many forms, reasons in words.
        new("cancel by product name, email, reason, yes", c => PendingWithUniqueItem(c),
            p => ["hi", $"I want to cancel the {Lower(p.Item!)} order", Email(p), "no longer needed", "yes"], Cancelled),
        new("cancel with typo, name and zip in one line", c => PendingWithUniqueItem(c),
            p => [$"cancle my {Lower(p.Item!)} order pls", $"{p.Customer.FirstName} {p.Customer.LastName} {p.Customer.Zip}", "I ordered it by mistake", "yes"], Cancelled),
        new("verified first with I'm name, zip; three slots in one message", c => PendingWithUniqueItem(c),
            p => [$"I'm {p.Customer.FirstName} {p.Customer.LastName}, zip {p.Customer.Zip}", $"cancel the {Lower(p.Item!)} order, no longer needed", "yes"], Cancelled),
        new("which order? answered in words", c => PendingWithUniqueItem(c),
            p => ["need to cancel an order", $"my email is {Email(p)}", $"the {Lower(p.Item!)} one", "changed my mind, don't need it", "yes"], Cancelled),
        new("digression to a policy question, then back to the cancellation", c => PendingWithUniqueItem(c),
            p => [$"cancel the {Lower(p.Item!)} order", Email(p), "wait, what's your return policy?", "no longer needed", "yes"], Cancelled),
        new("never mind drops the cancellation", c => PendingWithUniqueItem(c),
            p => [$"cancel the {Lower(p.Item!)} order", Email(p), "never mind"], Untouched),
        new("no at the confirmation keeps the order", c => PendingWithUniqueItem(c),
            p => [$"please cancel the {Lower(p.Item!)} order", Email(p), "ordered by mistake", "no, keep it"], Untouched),
        new("typo in the product name", c => PendingWithUniqueItem(c) is { } p && Typo(p.Item!.Name) != p.Item.Name.ToLowerInvariant() ? p : null,
            p => [$"hello, my email is {Email(p)}", $"cancel my {Typo(p.Item!.Name)} order", "no longer needed", "yes"], Cancelled),
        new("email inside a sentence while asking", c => PendingWithUniqueItem(c),
            p => [$"hey it's {Email(p)} here, can you cancel the {Lower(p.Item!)} order? I don't need it anymore", "yes"], Cancelled),
        new("the pending one", c => c.Orders.Count(o => o.Status == OrderStatus.Pending) == 1 && c.Orders.Count >= 2 ? new Pick(c, c.Orders.Single(o => o.Status == OrderStatus.Pending)) : null,
            p => [Email(p), "cancel the pending one", "no longer needed", "yes"], Cancelled),
        new("a reference that matches none of their orders changes nothing", c => PendingWithUniqueItem(c) is { } p && p.Customer.Orders.All(o => o.Items.All(i => !i.Name.Contains("Trampoline", StringComparison.OrdinalIgnoreCase))) ? p : null,
            p => [Email(p), "cancel the trampoline order", "yes"], Untouched),
        new("cancelling an order that can no longer be cancelled proposes nothing", c => c.Orders.FirstOrDefault(o => o.Status == OrderStatus.Delivered) is { } o && UniqueItem(c, o) is { } i && c.Orders.Count >= 2 ? new Pick(c, o, i) : null,
            p => [Email(p), $"cancel the {Lower(p.Item!)} order", "no longer needed", "yes"], Untouched),

        // Where is my order, by reference.
        new("wher is my ordr, then the order in words", c => c.Orders.Count >= 2 && c.Orders.FirstOrDefault(o => UniqueItem(c, o) is not null) is { } o ? new Pick(c, o, UniqueItem(c, o)) : null,
            p => ["wher is my ordr", Email(p), $"the {Lower(p.Item!)} one"], StatusTold),
        new("my last order", c => c.Orders.Count >= 2 ? new Pick(c, c.Orders[0]) : null,
            p => [$"{Email(p)}", "where's my last order?"], StatusTold),
        new("name and zip, then status of the product's order", c => c.Orders.Count >= 2 && c.Orders.FirstOrDefault(o => UniqueItem(c, o) is not null) is { } o ? new Pick(c, o, UniqueItem(c, o)) : null,
            p => [$"my name is {p.Customer.FirstName} {p.Customer.LastName}, zip {p.Customer.Zip}", $"any news on the {Lower(p.Item!)} order?"], StatusTold),
        new("the order question survives verification", c => c.Orders.Count >= 2 && c.Orders.FirstOrDefault(o => UniqueItem(c, o) is not null) is { } o ? new Pick(c, o, UniqueItem(c, o)) : null,
            p => [$"has my {Lower(p.Item!)} shipped yet?", $"{p.Customer.FirstName} {p.Customer.LastName}, zip {p.Customer.Zip}"], StatusTold),
        new("tracking for the second one in the list", c => c.Orders.Count >= 3 ? new Pick(c, c.Orders[1]) : null,
            p => ["tracking info please", Email(p), "the second one"], StatusTold),

        // Returns: the order and the item in words.
        new("return an item by name", DeliveredWithUniqueItem,
            p => ["I want to return something", Email(p), $"the {Lower(p.Item!)}", "{refund?}", "yes"], Returned),
        new("retrun with typo, order in words, item in words", DeliveredWithUniqueItem,
            p => [Email(p), $"i'd like to retrun the {Lower(p.Item!)}", "{refund?}", "yes"], Returned),
        new("return from the order number, then the item", DeliveredWithUniqueItem,
            p => [$"return items from order {p.Order.Id}", Email(p), $"just the {Lower(p.Item!)} please", "{refund?}", "yes"], Returned),
        new("return with the refund to a gift card", c => c.HasGiftCard ? DeliveredWithUniqueItem(c) : null,
            p => [Email(p), $"send back the {Lower(p.Item!)}", "{giftcard}", "yes"], async (p, run) =>
            {
                var order = await run.OrderAsync(p.Order.Id);
                Assert.Equal(OrderStatus.ReturnRequested, order.Status);
                Assert.Equal([p.Item!.ItemId], order.ReturnItemIds);
                Assert.StartsWith("gift_card", order.ReturnPaymentMethodId);
                await OthersUntouched(p, run);
            }),

        // Correction: "no, the other one".
        new("no, the other one", c => c.Orders.Where(o => o.Status == OrderStatus.Pending).ToList() is { Count: 2 } two ? new Pick(c, two[1], null, two[0]) : null,
            p => [Email(p), "I need to cancel an order", "the first one", "no, the other one", "no longer needed", "yes"], async (p, run) =>
            {
                Assert.Equal(OrderStatus.Cancelled, (await run.OrderAsync(p.Order.Id)).Status);
                Assert.Equal(OrderStatus.Pending, (await run.OrderAsync(p.Other!.Id)).Status);
            }),

        // Failed verifications are the customer's, not the shop's systems failing.
        new("three wrong emails are not a tool failure", c => c.Orders.Count >= 1 ? new Pick(c, c.Orders[0]) : null,
            p => ["where is my order?", "nobody1@nowhere.example", "nobody2@nowhere.example", "nobody3@nowhere.example", Email(p)], async (p, run) =>
            {
                Assert.Equal(ConversationStatus.Active, await run.StatusAsync());
                Assert.Contains(p.Order.Id, run.AllText);
            }),
        new("used-up verification attempts hand over with that reason", c => c.Orders.Count >= 1 ? new Pick(c, c.Orders[0]) : null,
            p => ["where is my order?", "a1@nowhere.example", "a2@nowhere.example", "a3@nowhere.example", "a4@nowhere.example", "a5@nowhere.example"], async (p, run) =>
            {
                Assert.Equal(ConversationStatus.Escalated, await run.StatusAsync());
                var handoff = (await DemoShopTesting.TranscriptAsync(run.Host, run.ConversationId)).Single(a => a.Type == ActivityTypes.Event && a.Name == TranscriptEvents.Handoff);
                Assert.Equal(HandoffReasons.VerificationLocked, handoff.Value!["reason"]!.GetValue<string>());
            }),
    ];

    private static Pick? Anyone(DialogueCustomer c) => c.Orders.Count > 0 ? new Pick(c, c.Orders[0]) : null;

    public static IEnumerable<DialogueCase> ShopCases() =>
    [
        new("retrun polcy? with typos gets the returns policy", Anyone, _ => ["retrun polcy?"], (_, run) =>
        {
            Assert.Equal("refund_policy", run.LastState!["intent"]!.GetValue<string>());
            Assert.Contains("knowledge/returns.md", run.AllText);
            return Task.CompletedTask;
        }),
        new("a verified customer's \"what's the return polcy?\" gets the policy, not a return", Anyone, p => [Email(p), "thanks! what's the return polcy?"], (_, run) =>
        {
            Assert.Equal("refund_policy", run.LastState!["intent"]!.GetValue<string>());
            Assert.Contains("knowledge/returns.md", run.AllText);
            return Task.CompletedTask;
        }),
        new("price cap: nothing listed as a match is above it", Anyone, _ => ["wireless earbuds under $50?"], async (_, run) =>
        {
            var search = (await run.ToolsAsync()).First(t => t["function"]!.GetValue<string>() == "search_products");
            var result = JsonNode.Parse(search["result"]!.GetValue<string>())!;
            var exact = result["exact"]?.GetValue<bool>() ?? true;
            var listed = (run.LastState!["dialogue"]?["products"] as JsonArray ?? []).Select(p => p!["id"]!.GetValue<string>()).ToList();
            if (exact && (result["products"] as JsonArray ?? []).Count > 0)
            {
                await using var db = await run.Host.Services.GetRequiredService<IDbContextFactory<ShopDbContext>>().CreateDbContextAsync();
                foreach (var id in listed)
                {
                    Assert.True(await db.Variants.AnyAsync(v => v.ProductId == id && v.Price <= 50m), $"{id} was listed as a match but has no variant under $50");
                }
            }
            Assert.NotEmpty(run.AllText);
        }),
        new("tell me more about the second one", Anyone, _ => ["do you have bluetooth speakers?", "tell me more about the second one"], async (_, run) =>
        {
            var first = (JsonObject)run.Answers[0].Last().ChannelData![TranscriptEvents.StateKey]!;
            var listed = (first["dialogue"]!["products"] as JsonArray)!.Select(p => p!["id"]!.GetValue<string>()).ToList();
            Assert.True(listed.Count >= 2, "the search listed fewer than two products");
            var details = (await run.ToolsAsync()).Last(t => t["function"]!.GetValue<string>() == "get_product_details");
            Assert.Equal(listed[1], details["arguments"]!["product_id"]!.GetValue<string>());
        }),
        new("is it in stock in a colour", Anyone, _ => ["any hiking boots?", "tell me more about the hiking boots", "is it in stock in brown?"], async (_, run) =>
        {
            var check = (await run.ToolsAsync()).Last(t => t["function"]!.GetValue<string>() == "check_availability");
            Assert.Contains("brown", check["arguments"]!["options"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        }),
        new("a plugin declared with NoModelIntent is reached in chat", Anyone, _ => ["when are you open?"], async (_, run) =>
        {
            Assert.Contains(await run.ToolsAsync(), t => t["function"]!.GetValue<string>() == "get_store_hours");
            Assert.Contains("9:00-17:00", run.AllText);
        }),
        new("a plugin's parameters are filled from the message", Anyone, _ => ["are you open on saturday at 10am?"], async (_, run) =>
        {
            var call = (await run.ToolsAsync()).Single(t => t["function"]!.GetValue<string>() == "is_open_at");
            Assert.Equal("Saturday", call["arguments"]!["weekday"]!.GetValue<string>());
            Assert.Equal(10, call["arguments"]!["hour"]!.GetValue<int>());
        }),
        new("a plugin asks for a missing parameter", Anyone, _ => ["is customer service open on Sunday?", "at 11am"], async (_, run) =>
        {
            var call = (await run.ToolsAsync()).Single(t => t["function"]!.GetValue<string>() == "is_open_at");
            Assert.Equal(11, call["arguments"]!["hour"]!.GetValue<int>());
        }),
        new("a policy question mid-return resumes the return", c => DeliveredWithUniqueItem(c),
            p => [Email(p), $"return the {Lower(p.Item!)} from order {p.Order.Id}", "how long do refunds take?", "{refund?}", "yes"], async (p, run) =>
            {
                // The refund-method or confirmation question comes back after the policy answer; the return goes through.
                var order = await run.OrderAsync(p.Order.Id);
                Assert.True(order.Status == OrderStatus.ReturnRequested || run.AllText.Contains("back to", StringComparison.OrdinalIgnoreCase), run.AllText);
            }),
    ];

    public static TheoryData<string> Names(IEnumerable<DialogueCase> cases) => [.. cases.Select(c => c.Name)];
}

public sealed class DemoShopDialogueTests(DemoDialogueHost fixture) : IClassFixture<DemoDialogueHost>
{
    public static TheoryData<string> Orders => DialogueCases.Names(DialogueCases.OrderCases());
    public static TheoryData<string> Shop => DialogueCases.Names(DialogueCases.ShopCases());

    [Theory, MemberData(nameof(Orders))]
    public Task Order_conversation(string name) => fixture.RunAsync(DialogueCases.OrderCases().Single(c => c.Name == name));

    [Theory, MemberData(nameof(Shop))]
    public Task Shop_conversation(string name) => fixture.RunAsync(DialogueCases.ShopCases().Single(c => c.Name == name));
}

public sealed class TauRetailDialogueTests(TauDialogueHost fixture) : IClassFixture<TauDialogueHost>
{
    public static TheoryData<string> Orders => DialogueCases.Names(DialogueCases.OrderCases());

    [Theory, MemberData(nameof(Orders))]
    public Task Order_conversation(string name)
    {
        Assert.SkipWhen(fixture.SkipReason is not null, fixture.SkipReason ?? "");
        return fixture.RunAsync(DialogueCases.OrderCases().Single(c => c.Name == name));
    }
}
