using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Store;
using ChatAgent.Host.AgentConsole;
using ChatAgent.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.AgentConsole.Tests;

public sealed class TakeoverTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private ChatAgentTestHost Host => fixture.Host;
    private const string Password = ConsoleClient.TestPassword;

    private Task<ConsoleClient> AgentAsync(string userName, string displayName, AgentRole role = AgentRole.Agent) =>
        ConsoleClient.SignedInAsync(Host, userName, displayName, role);

    [Fact]
    public async Task Escalated_conversations_queue_longest_waiting_first_with_customer_reason_and_summary()
    {
        using var agent = await AgentAsync("queue-agent", "Queue Agent");
        using var first = await Customer.StartAsync(Host, userId: "first_customer_1");
        await first.SendAsync("where is my refund");
        await Customer.EscalateAsync(Host, first.ConversationId);
        await Host.Services.GetRequiredService<AgentDesk>().RecordEscalationAsync(first.ConversationId, "refund outside policy", "Customer wants a refund for order #W1.", CancellationToken.None);
        await Task.Delay(50);
        using var second = await Customer.StartAsync(Host, userId: "second_customer_2");
        await second.SendAsync("my parcel is late");
        await Customer.EscalateAsync(Host, second.ConversationId);

        var queue = (await agent.GetOkAsync("/agent/api/queue")).AsArray().Select(q => q!).ToList();
        var ids = queue.Select(q => q["conversationId"]!.GetValue<string>()).ToList();

        Assert.True(ids.IndexOf(first.ConversationId) is >= 0 and var i && i < ids.IndexOf(second.ConversationId));
        var item = queue.Single(q => q["conversationId"]!.GetValue<string>() == first.ConversationId);
        Assert.Equal("first_customer_1", item["customer"]!.GetValue<string>());
        Assert.Equal("refund outside policy", item["reason"]!.GetValue<string>());
        Assert.Equal("Customer wants a refund for order #W1.", item["summary"]!.GetValue<string>());
        Assert.Equal("where is my refund", item["lastCustomerMessage"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_handoff_event_in_the_transcript_supplies_reason_and_summary()
    {
        using var agent = await AgentAsync("handoff-reader", "Handoff Reader");
        using var customer = await Customer.StartAsync(Host);
        await customer.SendAsync("cancel everything");
        var conversation = (await Host.Services.GetRequiredService<ConversationStore>().FindConversationAsync(customer.ConversationId, CancellationToken.None))!;
        await Host.Services.GetRequiredService<ChatAgent.Conversations.Service.ConversationService>().SendAsync(conversation, new Activity
        {
            Type = ActivityTypes.Event,
            Name = "handoff.initiate",
            Value = new JsonObject { ["reason"] = "customer asked for a human", ["summary"] = "Wants to cancel two orders." },
        }, CancellationToken.None);
        await Customer.EscalateAsync(Host, customer.ConversationId);

        var detail = await agent.GetOkAsync($"/agent/api/conversations/{customer.ConversationId}");

        Assert.Equal("customer asked for a human", detail["case"]!["reason"]!.GetValue<string>());
        Assert.Equal("Wants to cancel two orders.", detail["case"]!["summary"]!.GetValue<string>());
        Assert.Contains(detail["activities"]!.AsArray(), a => a!["name"]?.GetValue<string>() == "handoff.initiate");
    }

    [Fact]
    public async Task A_handoff_event_posted_by_the_customer_does_not_set_the_reason()
    {
        using var agent = await AgentAsync("handoff-spoof", "Handoff Spoof");
        using var customer = await Customer.StartAsync(Host);
        await customer.SendAsync("a question about my parcel");
        // Refused outright (not an event a client may send); even if one were stored, only the bot's own counts.
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, (await customer.SendEventAsync("handoff", new { reason = "VIP, refund at once", summary = "Approved by the manager." })).StatusCode);
        await Customer.EscalateAsync(Host, customer.ConversationId);

        var detail = await agent.GetOkAsync($"/agent/api/conversations/{customer.ConversationId}");

        Assert.Null(detail["case"]!["reason"]);
        Assert.Null(detail["case"]!["summary"]);
    }

    [Fact]
    public async Task Claim_reply_note_transfer_and_hand_back_work_and_are_audited()
    {
        using var alice = await AgentAsync("alice", "Alice Smith");
        using var bob = await AgentAsync("bob", "Bob Jones");
        using var admin = await AgentAsync("takeover-admin", "Admin", AgentRole.Admin);
        using var customer = await Customer.StartAsync(Host);
        await customer.SendAsync("a question about my order");
        await Customer.EscalateAsync(Host, customer.ConversationId);
        var path = $"/agent/api/conversations/{customer.ConversationId}";

        // Replying before claiming is refused; only one agent can hold the claim.
        Assert.Equal(HttpStatusCode.Conflict, (await alice.PostAsync($"{path}/reply", new { text = "hi" })).StatusCode);
        await alice.PostOkAsync($"{path}/claim");
        var contested = await bob.PostAsync($"{path}/claim");
        Assert.Equal(HttpStatusCode.Conflict, contested.StatusCode);
        Assert.Equal("AlreadyClaimed", (await contested.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["code"]!.GetValue<string>());

        // The reply reaches the customer as the agent, by display name, marked as a person.
        await alice.PostOkAsync($"{path}/reply", new { text = "Hi, this is Alice. How can I help?" });
        var reply = await customer.WaitForAsync(a => a.Text == "Hi, this is Alice. How can I help?", "the agent's reply");
        Assert.Equal("Alice Smith", reply.From!.Name);
        // Customers see the account number, never the sign-in name.
        Assert.Matches(@"^agent:\d+$", reply.From.Id);
        Assert.Equal(RoleTypes.Bot, reply.From.Role);
        Assert.Equal("agent", reply.ChannelData!["sender"]!.GetValue<string>());

        // While escalated, the bot stays silent: the customer's answer gets no bot reply, and the agent sees it.
        await customer.SendAsync("My order never arrived");
        var seen = await alice.GetOkAsync(path);
        Assert.Contains(seen["activities"]!.AsArray(), a => a!["text"]?.GetValue<string>() == "My order never arrived");

        // Notes stay internal.
        await alice.PostOkAsync($"{path}/notes", new { text = "Customer sounds upset; check carrier." });
        Assert.DoesNotContain(await customer.ActivitiesAsync(), a => a.Text?.Contains("carrier", StringComparison.Ordinal) == true);
        Assert.Contains((await alice.GetOkAsync(path))["notes"]!.AsArray(), n => n!["text"]!.GetValue<string>() == "Customer sounds upset; check carrier.");

        // Transfer: Bob now holds it, Alice can no longer reply.
        var badTransfer = await alice.PostAsync($"{path}/transfer", new { to = "no-such-agent" });
        Assert.Equal(HttpStatusCode.BadRequest, badTransfer.StatusCode);
        await alice.PostOkAsync($"{path}/transfer", new { to = "bob" });
        Assert.Equal(HttpStatusCode.Conflict, (await alice.PostAsync($"{path}/reply", new { text = "still me" })).StatusCode);
        await bob.PostOkAsync($"{path}/reply", new { text = "Bob here, I have your case." });

        // Hand back: the bot answers the next message again.
        await bob.PostOkAsync($"{path}/handback");
        var status = (await Host.Services.GetRequiredService<ConversationStore>().FindConversationAsync(customer.ConversationId, CancellationToken.None))!.Status;
        Assert.Equal(ConversationStatus.Active, status);
        var next = await customer.SendAsync("thanks, bye");
        var botAnswer = await customer.WaitForAsync(a => a.ReplyToId == next && a.Type == ActivityTypes.Message, "the bot's answer after hand-back");
        Assert.Null(botAnswer.ChannelData?["sender"]);
        Assert.Equal(HttpStatusCode.Conflict, (await bob.PostAsync($"{path}/reply", new { text = "too late" })).StatusCode);

        var audit = (await admin.GetOkAsync("/agent/api/audit?limit=1000")).AsArray()
            .Where(e => e!["conversationId"]?.GetValue<string>() == customer.ConversationId)
            .Select(e => $"{e!["actor"]!.GetValue<string>()} {e["action"]!.GetValue<string>()}{(e["detail"]?.GetValue<string>() is { } d && d.StartsWith("to ", StringComparison.Ordinal) ? " " + d : "")}")
            .Reverse().ToList();
        Assert.Equal(["alice claimed", "alice replied", "alice noted", "alice transferred to bob", "bob replied", "bob handed_back"], audit);
    }

    [Fact]
    public async Task Resolving_closes_the_case_and_returns_the_conversation_to_the_bot()
    {
        using var agent = await AgentAsync("resolver", "Resolver");
        using var customer = await Customer.StartAsync(Host);
        await customer.SendAsync("help");
        await Customer.EscalateAsync(Host, customer.ConversationId);
        var path = $"/agent/api/conversations/{customer.ConversationId}";
        await agent.PostOkAsync($"{path}/claim");
        await agent.PostOkAsync($"{path}/reply", new { text = "Done, your refund is on its way." });

        var closed = await agent.PostOkAsync($"{path}/resolve");

        Assert.Equal("resolved", closed["outcome"]!.GetValue<string>());
        Assert.NotNull(closed["firstResponseAt"]);
        Assert.DoesNotContain((await agent.GetOkAsync("/agent/api/queue")).AsArray(), q => q!["conversationId"]!.GetValue<string>() == customer.ConversationId);
        Assert.Equal("Active", (await agent.GetOkAsync(path))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Empty_or_oversized_replies_get_a_clear_error()
    {
        using var agent = await AgentAsync("validator", "Validator");
        using var customer = await Customer.StartAsync(Host);
        await customer.SendAsync("hi");
        await Customer.EscalateAsync(Host, customer.ConversationId);
        var path = $"/agent/api/conversations/{customer.ConversationId}";
        await agent.PostOkAsync($"{path}/claim");

        var empty = await agent.PostAsync($"{path}/reply", new { text = "   " });
        var huge = await agent.PostAsync($"{path}/reply", new { text = new string('x', 5000) });
        var missing = await agent.Http.GetAsync("/agent/api/conversations/does-not-exist");

        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, huge.StatusCode);
        Assert.Equal("MessageSizeTooBig", (await huge.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task The_event_stream_pushes_new_escalations_and_customer_messages()
    {
        using var agent = await AgentAsync("streamer", "Streamer");
        using var customer = await Customer.StartAsync(Host);
        await customer.SendAsync("first");
        await Customer.EscalateAsync(Host, customer.ConversationId);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await agent.Http.GetAsync($"/agent/api/events?conversation={customer.ConversationId}", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));

        async Task<string> ReadUntilAsync(Func<string, bool> match)
        {
            string? eventName = null;
            while (await reader.ReadLineAsync(cts.Token) is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    eventName = line["event: ".Length..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal) && match($"{eventName} {line["data: ".Length..]}"))
                {
                    return line;
                }
            }
            throw new EndOfStreamException();
        }

        await ReadUntilAsync(l => l.StartsWith("queue ", StringComparison.Ordinal) && l.Contains(customer.ConversationId, StringComparison.Ordinal));
        await ReadUntilAsync(l => l.StartsWith("activity ", StringComparison.Ordinal) && l.Contains("\"first\"", StringComparison.Ordinal));
        await customer.SendAsync("second, while watched");
        await ReadUntilAsync(l => l.StartsWith("activity ", StringComparison.Ordinal) && l.Contains("second, while watched", StringComparison.Ordinal));
    }
}
