using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatAgent.Conversations.Service;

/// <summary>
/// Runs the bot's turns: one at a time and in order within a conversation, many conversations in parallel.
/// The queue is the store itself (customer messages flagged as pending), so a restart resumes every
/// acknowledged message that had not been answered.
/// </summary>
public sealed class TurnScheduler(
    IServiceProvider services,
    ConversationStore store,
    IOptions<ConversationOptions> options,
    ILogger<TurnScheduler> logger) : BackgroundService
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Drain> _draining = [];
    private readonly SemaphoreSlim _parallel = new(options.Value.MaxParallelTurns);
    // Cancelled only when the shutdown drain is over (or the host stops hard), not when stopping begins.
    private readonly CancellationTokenSource _stoppingSource = new();
    private volatile bool _shuttingDown;

    /// <summary>Makes sure the conversation's pending messages get answered.</summary>
    public void Schedule(string conversationId)
    {
        Drain drain;
        if (_shuttingDown)
        {
            // Stored and flagged pending: answered after the restart.
            return;
        }
        lock (_gate)
        {
            if (_draining.TryGetValue(conversationId, out var running))
            {
                running.Again = true;
                return;
            }
            drain = new Drain();
            _draining[conversationId] = drain;
        }
        _ = Task.Run(() => DrainAsync(conversationId, drain));
    }

    /// <summary>True while no turn is running or waiting (for tests and graceful shutdown).</summary>
    public bool IsIdle
    {
        get { lock (_gate) { return _draining.Count == 0; } }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            foreach (var conversationId in await store.GetConversationsWithPendingTurnsAsync(stoppingToken))
            {
                logger.LogInformation("Resuming unanswered messages of conversation {ConversationId}", conversationId);
                Schedule(conversationId);
            }
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogError(ex, "Could not read unanswered messages at start-up");
        }
    }

    private async Task DrainAsync(string conversationId, Drain drain)
    {
        try
        {
            await _parallel.WaitAsync(_stoppingSource.Token);
        }
        catch (OperationCanceledException)
        {
            Forget(conversationId);
            return;
        }

        try
        {
            while (true)
            {
                lock (_gate) { drain.Again = false; }
                foreach (var pending in await store.GetPendingTurnsAsync(conversationId, _stoppingSource.Token))
                {
                    if (_shuttingDown)
                    {
                        // Only turns already running finish during the drain.
                        Forget(conversationId);
                        return;
                    }
                    if (!await RunTurnAsync(conversationId, pending))
                    {
                        return;
                    }
                }
                lock (_gate)
                {
                    if (!drain.Again)
                    {
                        _draining.Remove(conversationId);
                        return;
                    }
                }
            }
        }
        catch (Exception ex) when (!_stoppingSource.Token.IsCancellationRequested)
        {
            logger.LogError(ex, "Turns of conversation {ConversationId} failed; retrying shortly", conversationId);
            Forget(conversationId);
            _ = Task.Delay(TimeSpan.FromSeconds(5), _stoppingSource.Token).ContinueWith(_ => Schedule(conversationId), TaskContinuationOptions.OnlyOnRanToCompletion);
        }
        catch (OperationCanceledException)
        {
            Forget(conversationId);
        }
        finally
        {
            _parallel.Release();
        }
    }

    /// <returns>False when the host is stopping (the message stays pending and resumes after the restart).</returns>
    private async Task<bool> RunTurnAsync(string conversationId, StoredActivity pending)
    {
        var conversation = await store.FindConversationAsync(conversationId, _stoppingSource.Token);
        if (conversation is null)
        {
            return true;
        }

        var conversations = services.GetRequiredService<ConversationService>();
        if (conversation.Status == ConversationStatus.Active)
        {
            // A turn that stored something and then was interrupted (crash, kill) continues from its record.
            IReadOnlyList<Activity> recorded = [];
            if (conversation.LastSequence > pending.Sequence)
            {
                recorded = (await store.GetTurnRecordAsync(conversationId, pending.Sequence, pending.Activity.Id!, _stoppingSource.Token)).Select(a => a.Activity).ToList();
                if (recorded.Count > 0)
                {
                    logger.LogInformation("Resuming the turn for {ActivityId}: {Count} activities already recorded", pending.Activity.Id, recorded.Count);
                }
            }
            var turn = new TurnContext(conversations, conversation, pending.Activity, options.Value, recorded);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stoppingSource.Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.TurnTimeoutSeconds));
            try
            {
                await services.GetRequiredService<IBot>().OnTurnAsync(turn, timeout.Token);
            }
            catch (OperationCanceledException) when (_stoppingSource.Token.IsCancellationRequested)
            {
                Forget(conversationId);
                return false;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "The bot failed to answer activity {ActivityId}", pending.Activity.Id);
                await turn.SendAsync(new Activity
                {
                    Type = ActivityTypes.Message,
                    Text = "Sorry, something went wrong on our side while answering. Please try again, or ask for a person and we will hand you over.",
                }, _stoppingSource.Token);
            }
        }
        await store.CompleteTurnAsync(conversationId, pending.Sequence, _stoppingSource.Token);
        return true;
    }

    /// <summary>
    /// Lets running turns finish (up to <see cref="ConversationOptions.ShutdownDrainSeconds"/>) before they are
    /// cancelled; a cancelled turn's message stays pending and is answered after the restart.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _shuttingDown = true;
        var deadline = DateTime.UtcNow.AddSeconds(options.Value.ShutdownDrainSeconds);
        try
        {
            while (!IsIdle && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(50, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The host's own shutdown timeout ran out first.
        }
        if (!IsIdle)
        {
            logger.LogWarning("Shutting down with turns still running; their messages are answered after the restart");
        }
        await _stoppingSource.CancelAsync();
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _stoppingSource.Dispose();
        base.Dispose();
    }

    private void Forget(string conversationId)
    {
        lock (_gate) { _draining.Remove(conversationId); }
    }

    private sealed class Drain
    {
        public bool Again;
    }
}
