using Stopwatch = System.Diagnostics.Stopwatch;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.ServiceDefaults;
using ChatAgent.Shop;
using ChatAgent.Shop.Conversations;
using ChatAgent.Testing;
using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Host.Tests;

/// <summary>
/// Exactly-once turns as the customer sees them: many customers say "yes" to a proposed cancellation, the host process
/// is SIGKILLed while those turns run, and started again on the same database. Every yes is applied exactly once, every
/// customer is told it is done, no reply is delivered twice, and the transcript records each write.
/// </summary>
public sealed class ExactlyOnceCrashTests
{
    private const string Secret = "exactly-once-secret-0123456789abcdef";
    private const int ConversationsPerRound = 24;
    private const int MaxRounds = 3;

    [Fact]
    public async Task Every_yes_is_applied_once_and_answered_once_across_a_SIGKILL_on_SQLite()
    {
        var folder = Directory.CreateTempSubdirectory("chatagent-exactly-once-").FullName;
        try
        {
            using var database = new ChatAgentDatabase(DatabaseProvider.Sqlite, $"Data Source={Path.Combine(folder, "chatagent.db")}");
            await AssertExactlyOnceAsync(database);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Every_yes_is_applied_once_and_answered_once_across_a_SIGKILL_on_PostgreSQL()
    {
        await using var postgres = await PostgresTestDatabase.CreateAsync();
        using var database = new ChatAgentDatabase(DatabaseProvider.Postgres, postgres.ConnectionString);
        await AssertExactlyOnceAsync(database);
        Npgsql.NpgsqlConnection.ClearAllPools();
    }

    private static async Task AssertExactlyOnceAsync(ChatAgentDatabase database)
    {
        var settings = new Dictionary<string, string>();
        foreach (var (key, value) in DemoShopTesting.Settings().Concat(database.Settings))
        {
            settings[key] = value ?? "";
        }
        settings["Shop:DemoCustomers"] = "120";
        settings["Search:IndexOnStart"] = "false";
        settings["DirectLine:Secret"] = Secret;
        settings["DirectLine:MessagesPerMinute"] = "100000";
        var output = TestContext.Current.TestOutputHelper;
        var used = new HashSet<string>();
        var interruptedTotal = 0;

        // A round: conversations brought to the confirmation step, all say yes, the host is killed while those turns run.
        // Rounds repeat (with new customers) until a kill caught turns mid-flight, at most MaxRounds.
        for (var round = 1; round <= MaxRounds && interruptedTotal == 0; round++)
        {
            var customers = new List<Chat>();
            await using (var first = await ChatAgentProcess.StartAsync(settings))
            {
                using var http = new HttpClient { BaseAddress = new Uri(first.BaseUrl), Timeout = TimeSpan.FromSeconds(100) };
                foreach (var order in await PendingOrdersAsync(database, used, ConversationsPerRound))
                {
                    customers.Add(await Chat.StartAsync(http, order.OrderId, order.Email));
                }
                await Task.WhenAll(customers.Select(c => c.ReachConfirmationAsync(database)));

                // Everyone says yes (a few milliseconds apart, as customers do); the kill comes as soon as the first
                // cancellation is recorded in a transcript, while the other turns are at every stage of their run.
                var yeses = customers.Select(async (c, i) =>
                {
                    await Task.Delay(i * 15);
                    await c.SayYesAsync();
                }).ToList();
                await Task.WhenAll(yeses);
                var deadline = Stopwatch.StartNew();
                while (deadline.Elapsed < TimeSpan.FromSeconds(30) && !await AnyAppliedAsync(database, customers))
                {
                    await Task.Delay(10);
                }
                await first.KillAsync();
            }

            // What the kill left: yes turns finished, interrupted after the gate decided (mid-flight), or not started.
            var (finished, interrupted, appliedUntold, notStarted) = await ClassifyAsync(database, customers);
            interruptedTotal += interrupted;
            output?.WriteLine($"{database.Provider} round {round}: {customers.Count} yes turns at the kill: {finished} finished, {interrupted} interrupted after the gate's decision ({appliedUntold} of them with the cancellation applied, the customer not yet told), {notStarted} not started");

            await using (var second = await ChatAgentProcess.StartAsync(settings))
            {
                foreach (var customer in customers)
                {
                    await WaitForTurnsAsync(database, customer.ConversationId, TimeSpan.FromSeconds(180));
                }
            }
            foreach (var customer in customers)
            {
                await customer.AssertAppliedOnceAndAnsweredOnceAsync(database);
            }
        }
        Assert.True(interruptedTotal > 0, $"No kill in {MaxRounds} rounds caught a yes turn mid-flight; the test proved nothing about resumed turns.");
    }

    private static async Task<List<(string OrderId, string Email)>> PendingOrdersAsync(ChatAgentDatabase database, HashSet<string> used, int count)
    {
        await using var db = await database.Shop.CreateDbContextAsync();
        var orders = await db.Orders.AsNoTracking().Include(o => o.Customer).Where(o => o.Status == OrderStatus.Pending).OrderBy(o => o.Id).ToListAsync();
        var picked = orders.Where(o => !used.Contains(o.CustomerId)).GroupBy(o => o.CustomerId).Select(g => g.First()).Take(count).ToList();
        Assert.True(picked.Count == count, $"The demo shop has only {picked.Count} more customers with a pending order.");
        foreach (var o in picked)
        {
            used.Add(o.CustomerId);
        }
        return picked.Select(o => (o.Id, o.Customer!.Email)).ToList();
    }

    private static async Task<bool> AnyAppliedAsync(ChatAgentDatabase database, List<Chat> customers)
    {
        await using var db = await database.Shop.CreateDbContextAsync();
        var ids = customers.Select(c => c.ConversationId).ToList();
        return await db.PendingChanges.AnyAsync(c => ids.Contains(c.ConversationId) && c.Status == PendingChangeStatus.Applied);
    }

    private static async Task<(int Finished, int Interrupted, int AppliedUntold, int NotStarted)> ClassifyAsync(ChatAgentDatabase database, List<Chat> customers)
    {
        int finished = 0, interrupted = 0, appliedUntold = 0, notStarted = 0;
        await using var db = await database.Shop.CreateDbContextAsync();
        foreach (var customer in customers)
        {
            if (!(await database.PendingTurnsAsync(customer.ConversationId)).Contains(customer.YesId))
            {
                finished++;
                continue;
            }
            var shop = await db.Conversations.AsNoTracking().FirstAsync(c => c.Id == customer.ConversationId);
            if (shop.LastDecidedMessageId == customer.YesId)
            {
                interrupted++;
                if (await db.PendingChanges.AnyAsync(c => c.ConversationId == customer.ConversationId && c.Status == PendingChangeStatus.Applied))
                {
                    appliedUntold++;
                }
            }
            else
            {
                notStarted++;
            }
        }
        return (finished, interrupted, appliedUntold, notStarted);
    }

    private static async Task WaitForTurnsAsync(ChatAgentDatabase database, string conversationId, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while ((await database.PendingTurnsAsync(conversationId)).Count > 0)
        {
            Assert.True(deadline.Elapsed < timeout, $"The turns of {conversationId} were not answered within {timeout.TotalSeconds:F0} s of the restart.");
            await Task.Delay(100);
        }
    }

    /// <summary>One customer on Direct Line who wants one pending order cancelled.</summary>
    private sealed class Chat(HttpClient http, string conversationId, string token, string orderId, string email)
    {
        public string ConversationId { get; } = conversationId;
        public string OrderId { get; } = orderId;
        public string YesId { get; private set; } = "";

        public static async Task<Chat> StartAsync(HttpClient http, string orderId, string email)
        {
            using var generate = new HttpRequestMessage(HttpMethod.Post, "/v3/directline/tokens/generate");
            generate.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Secret);
            var token = (await (await http.SendAsync(generate)).Content.ReadFromJsonAsync<JsonObject>())!["token"]!.GetValue<string>();
            using var start = new HttpRequestMessage(HttpMethod.Post, "/v3/directline/conversations");
            start.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var conversation = (await (await http.SendAsync(start)).Content.ReadFromJsonAsync<JsonObject>())!;
            return new Chat(http, conversation["conversationId"]!.GetValue<string>(), token, orderId, email);
        }

        /// <summary>Asks to cancel, verifies, gives the reason: the bot then proposes the cancellation and waits for a yes.</summary>
        public async Task ReachConfirmationAsync(ChatAgentDatabase database)
        {
            await AskAsync(database, $"I want to cancel order {OrderId}");
            await AskAsync(database, Email);
            var proposal = await AskAsync(database, "no longer needed");
            Assert.Contains("yes", proposal.Text, StringComparison.OrdinalIgnoreCase);
        }

        private string Email => email;

        public async Task SayYesAsync() => YesId = await PostAsync("yes");

        public async Task AssertAppliedOnceAndAnsweredOnceAsync(ChatAgentDatabase database)
        {
            var transcript = await database.TranscriptAsync(ConversationId);
            var customerMessages = transcript.Where(a => a.Type == ActivityTypes.Message && a.From?.Role == RoleTypes.User).ToList();
            foreach (var message in customerMessages)
            {
                var replies = transcript.Count(a => a.Type == ActivityTypes.Message && a.From?.Role == RoleTypes.Bot && a.ReplyToId == message.Id);
                Assert.True(replies == 1, $"{ConversationId}: \"{message.Text}\" got {replies} bot replies, not exactly one.");
            }
            var answer = transcript.Single(a => a.Type == ActivityTypes.Message && a.From?.Role == RoleTypes.Bot && a.ReplyToId == YesId);
            Assert.True(answer.Text?.Contains("Done", StringComparison.Ordinal) == true, $"{ConversationId}: the yes was answered \"{answer.Text}\", not that the cancellation is done.");

            // The write is in the transcript: the confirm_change call answering the yes, with its applied result.
            var writes = transcript.Where(a => a.Type == ActivityTypes.Event && a.Name == "tool" && a.ReplyToId == YesId
                && a.Value?["function"]?.GetValue<string>() == "confirm_change").ToList();
            var write = Assert.Single(writes);
            Assert.False(write.Value!["error"]!.GetValue<bool>(), $"{ConversationId}: {write.Value["result"]}");
            Assert.Contains("\"applied\":true", write.Value["result"]!.GetValue<string>().Replace(" ", ""), StringComparison.Ordinal);

            // Applied exactly once, in the store.
            await using var db = await database.Shop.CreateDbContextAsync();
            var order = await db.Orders.AsNoTracking().FirstAsync(o => o.Id == OrderId);
            Assert.Equal(OrderStatus.Cancelled, order.Status);
            var changes = await db.PendingChanges.AsNoTracking().Where(c => c.ConversationId == ConversationId).ToListAsync();
            var applied = Assert.Single(changes, c => c.Status == PendingChangeStatus.Applied);
            Assert.Equal(OrderId, applied.OrderId);
            Assert.DoesNotContain(changes, c => c.Status is PendingChangeStatus.Confirmed or PendingChangeStatus.Failed);
        }

        private async Task<Activity> AskAsync(ChatAgentDatabase database, string text)
        {
            var id = await PostAsync(text);
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                var reply = (await database.TranscriptAsync(ConversationId))
                    .FirstOrDefault(a => a.Type == ActivityTypes.Message && a.From?.Role == RoleTypes.Bot && a.ReplyToId == id);
                if (reply is not null)
                {
                    return reply;
                }
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(120), $"{ConversationId}: no answer to \"{text}\".");
                await Task.Delay(100);
            }
        }

        private async Task<string> PostAsync(string text)
        {
            using var post = new HttpRequestMessage(HttpMethod.Post, $"/v3/directline/conversations/{ConversationId}/activities")
            {
                Content = JsonContent.Create(new { type = "message", text, from = new { id = "customer" } }),
            };
            post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var response = await http.SendAsync(post);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        }
    }
}
