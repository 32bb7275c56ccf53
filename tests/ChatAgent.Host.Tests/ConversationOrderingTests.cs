using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatAgent.Conversations.Service;
using ChatAgent.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.Host.Tests;

public sealed class ConversationOrderingTests
{
    [Fact]
    public async Task Concurrent_posts_get_gapless_sequence_numbers_and_turns_run_in_order_per_conversation()
    {
        var bot = new RecordingBot();
        await using var host = await ChatAgentTestHost.StartAsync(
            new Dictionary<string, string?> { ["DirectLine:MessagesPerMinute"] = "100000" },
            services => services.AddSingleton<IBot>(bot));
        var clients = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => DirectLineTestClient.StartAsync(host)));

        await Task.WhenAll(clients.SelectMany(c => Enumerable.Range(0, 10).Select(i => c.SendAsync($"{i}"))));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (bot.Turns.Count < 30 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        foreach (var client in clients)
        {
            var (activities, watermark) = await client.GetActivitiesAsync();
            var sequences = activities.Select(a => long.Parse(a.Id![(a.Id!.LastIndexOf('|') + 1)..])).ToList();
            Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);
            Assert.Equal(sequences.Count.ToString(), watermark);
            var handled = bot.Turns.Where(t => t.ConversationId == client.ConversationId).Select(t => t.ActivityId).ToList();
            var posted = activities.Where(a => a.From!.Role == "user").Select(a => a.Id!).ToList();
            Assert.Equal(posted, handled);   // each message handled once, in stored order
            await client.DisposeAsync();
        }
        Assert.Equal(1, bot.MaxConcurrentPerConversation);
    }

    private sealed class RecordingBot : IBot
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, int> _running = [];
        public List<(string ConversationId, string ActivityId)> Turns { get; } = [];
        public int MaxConcurrentPerConversation { get; private set; }

        public async Task OnTurnAsync(ITurnContext turn, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                _running[turn.Conversation.Id] = _running.GetValueOrDefault(turn.Conversation.Id) + 1;
                MaxConcurrentPerConversation = Math.Max(MaxConcurrentPerConversation, _running[turn.Conversation.Id]);
            }
            await Task.Delay(Random.Shared.Next(1, 10), cancellationToken);
            lock (_gate)
            {
                _running[turn.Conversation.Id]--;
                Turns.Add((turn.Conversation.Id, turn.Activity.Id!));
            }
        }
    }
}
