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
    private CancellationToken _stopping = CancellationToken.None;

    /// <summary>Makes sure the conversation's pending messages get answered.</summary>
    public void Schedule(string conversationId)
    {
        Drain drain;
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
        _stopping = stoppingToken;
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
            await _parallel.WaitAsync(_stopping);
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
                foreach (var pending in await store.GetPendingTurnsAsync(conversationId, _stopping))
                {
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
        catch (Exception ex) when (!_stopping.IsCancellationRequested)
        {
            logger.LogError(ex, "Turns of conversation {ConversationId} failed; retrying shortly", conversationId);
            Forget(conversationId);
            _ = Task.Delay(TimeSpan.FromSeconds(5), _stopping).ContinueWith(_ => Schedule(conversationId), TaskContinuationOptions.OnlyOnRanToCompletion);
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
        var conversation = await store.FindConversationAsync(conversationId, _stopping);
        if (conversation is null)
        {
            return true;
        }

        var conversations = services.GetRequiredService<ConversationService>();
        if (conversation.Status == ConversationStatus.Active)
        {
            var turn = new TurnContext(conversations, conversation, pending.Activity, options.Value);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
            timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.TurnTimeoutSeconds));
            try
            {
                await services.GetRequiredService<IBot>().OnTurnAsync(turn, timeout.Token);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                Forget(conversationId);
                return false;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "The bot failed to answer activity {ActivityId}", pending.Activity.Id);
                await conversations.SendAsync(conversation, new Activity
                {
                    Type = ActivityTypes.Message,
                    Text = "Sorry, something went wrong on our side while answering. Please try again, or ask for a person and we will hand you over.",
                    ReplyToId = pending.Activity.Id,
                    Recipient = pending.Activity.From,
                }, _stopping);
            }
        }
        await store.CompleteTurnAsync(conversationId, pending.Sequence, _stopping);
        return true;
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
