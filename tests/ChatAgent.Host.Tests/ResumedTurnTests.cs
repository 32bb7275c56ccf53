using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Service;
using ChatAgent.Conversations.Store;
using ChatAgent.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.Host.Tests;

/// <summary>
/// What a crash between a turn's reply and its completion leaves behind (the customer message still pending, the turn's
/// tool record and reply already stored), resumed by the real scheduler: the bot runs again, sees what it had recorded,
/// and nothing it had stored is stored or delivered a second time.
/// </summary>
public sealed class ResumedTurnTests
{
    [Fact]
    public async Task A_turn_interrupted_after_its_reply_resumes_without_delivering_anything_twice()
    {
        var bot = new LookupBot();
        await using var host = await ChatAgentTestHost.StartAsync(services: services => services.AddSingleton<IBot>(bot));
        var store = host.Services.GetRequiredService<ConversationStore>();
        var ct = TestContext.Current.CancellationToken;
        var conversation = await store.EnsureConversationAsync("resumed-turn-1", "directline", null, null, ct);
        var botAccount = host.Services.GetRequiredService<ConversationService>().Bot;
        // The start-up sweep of pending conversations must not pick the message up halfway through writing the crash state.
        if (host.Services.GetRequiredService<TurnScheduler>().ExecuteTask is { } startUpSweep)
        {
            await startUpSweep;
        }

        // The state a SIGKILL leaves: the message pending, its turn's tool event and reply committed.
        var message = await store.AppendAsync(conversation.Id, Customer("where is my order?"), pendingTurn: true, ct);
        var id = message.Activity.Id!;
        await store.AppendAsync(conversation.Id, new Activity { Type = ActivityTypes.Event, Name = "tool", Value = new JsonObject { ["name"] = "lookup" }, ReplyToId = id, From = botAccount }, pendingTurn: false, ct);
        await store.AppendAsync(conversation.Id, new Activity { Type = ActivityTypes.Message, Text = "It ships today.", ReplyToId = id, From = botAccount }, pendingTurn: false, ct);

        host.Services.GetRequiredService<TurnScheduler>().Schedule(conversation.Id);
        await DemoShopTesting.WaitForTurnAsync(host, conversation.Id, id);

        var transcript = await DemoShopTesting.TranscriptAsync(host, conversation.Id);
        Assert.Equal(2, bot.RecordedSeen.Single());   // the resumed turn was handed what it had stored
        var replies = transcript.Where(a => a.ReplyToId == id).ToList();
        Assert.Single(replies, a => a.Type == ActivityTypes.Message);
        Assert.Single(replies, a => a.Type == ActivityTypes.Event);
        Assert.Equal("It ships today.", replies.Single(a => a.Type == ActivityTypes.Message).Text);

        // The next message is a fresh turn: nothing recorded, answered once.
        var next = await store.AppendAsync(conversation.Id, Customer("thanks"), pendingTurn: true, ct);
        host.Services.GetRequiredService<TurnScheduler>().Schedule(conversation.Id);
        await DemoShopTesting.WaitForTurnAsync(host, conversation.Id, next.Activity.Id!);
        transcript = await DemoShopTesting.TranscriptAsync(host, conversation.Id);
        Assert.Equal(0, bot.RecordedSeen.Last());
        Assert.Single(transcript, a => a.Type == ActivityTypes.Message && a.ReplyToId == next.Activity.Id);
        Assert.Single(transcript, a => a.Type == ActivityTypes.Event && a.ReplyToId == next.Activity.Id);
    }

    private static Activity Customer(string text) =>
        new() { Type = ActivityTypes.Message, Text = text, From = new ChannelAccount { Id = "customer", Role = RoleTypes.User } };

    /// <summary>Records a tool call, then answers; remembers how much each turn found already recorded.</summary>
    private sealed class LookupBot : IBot
    {
        public List<int> RecordedSeen { get; } = [];

        public async Task OnTurnAsync(ITurnContext turn, CancellationToken cancellationToken)
        {
            lock (RecordedSeen) { RecordedSeen.Add(turn.Recorded.Count); }
            await turn.SendAsync(new Activity { Type = ActivityTypes.Event, Name = "tool", Value = new JsonObject { ["name"] = "lookup" } }, cancellationToken);
            await turn.SendAsync(new Activity { Text = turn.Recorded.Count > 0 ? "Answered again (must not be stored)." : "You're welcome." }, cancellationToken);
        }
    }
}
