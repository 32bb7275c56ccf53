using Stopwatch = System.Diagnostics.Stopwatch;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Service;
using ChatAgent.Conversations.Store;
using ChatAgent.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.Host.Tests;

public sealed class ShutdownTests
{
    [Fact]
    public async Task A_turn_running_at_shutdown_finishes_and_its_answer_is_stored_before_the_host_stops()
    {
        var bot = new SlowBot(TimeSpan.FromSeconds(1.5));
        await using var host = await ChatAgentTestHost.StartAsync(
            new Dictionary<string, string?> { ["Conversations:ShutdownDrainSeconds"] = "20" },
            services => services.AddSingleton<IBot>(bot));
        var client = await DirectLineTestClient.StartAsync(host);
        await client.SendAsync("take your time");
        await bot.Started.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        await host.StopAsync();

        var store = host.Services.GetRequiredService<ConversationStore>();
        Assert.Empty(await store.GetPendingTurnsAsync(client.ConversationId, CancellationToken.None));
        var stored = await store.GetActivitiesAsync(client.ConversationId, 0, 100, CancellationToken.None);
        Assert.Contains(stored, s => s.Activity.From?.Role == RoleTypes.Bot && s.Activity.Text == "done: take your time");
    }

    [Fact]
    public async Task A_turn_longer_than_the_drain_is_cancelled_and_its_message_stays_pending_for_the_restart()
    {
        var bot = new SlowBot(TimeSpan.FromMinutes(5));
        await using var host = await ChatAgentTestHost.StartAsync(
            new Dictionary<string, string?> { ["Conversations:ShutdownDrainSeconds"] = "1" },
            services => services.AddSingleton<IBot>(bot));
        var client = await DirectLineTestClient.StartAsync(host);
        await client.SendAsync("this will not finish");
        await bot.Started.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        var clock = Stopwatch.StartNew();
        await host.StopAsync();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"stopping took {clock.Elapsed}");
        var store = host.Services.GetRequiredService<ConversationStore>();
        var pending = Assert.Single(await store.GetPendingTurnsAsync(client.ConversationId, CancellationToken.None));
        Assert.Equal("this will not finish", pending.Activity.Text);
    }

    private sealed class SlowBot(TimeSpan delay) : IBot
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task OnTurnAsync(ITurnContext turn, CancellationToken cancellationToken)
        {
            Started.TrySetResult();
            await Task.Delay(delay, cancellationToken);
            await turn.SendAsync(new Activity { Text = "done: " + turn.Activity.Text }, cancellationToken);
        }
    }
}
