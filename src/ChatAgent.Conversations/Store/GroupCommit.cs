using System.Threading.Channels;
using ChatAgent.Conversations.Activities;
using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Conversations.Store;

/// <summary>
/// Group commit for the message path: appends and turn completions that arrive while a commit is under way wait for
/// the next one, and are written together in one transaction (one round of locks and one WAL commit instead of one
/// each). Every caller is answered only after the transaction holding its write committed, so an acknowledgement still
/// means "stored". A batch that fails as a whole (one bad write, a deadlock) is retried write by write, so one write's
/// failure is its caller's alone.
/// </summary>
internal sealed class GroupCommit
{
    /// <summary>The most writes committed in one transaction.</summary>
    public const int MaxBatch = 256;

    private readonly IDbContextFactory<ConversationDbContext> _contexts;
    private readonly TimeProvider _clock;
    private readonly SemaphoreSlim? _sqliteWriter;
    private readonly Channel<Write> _queue = Channel.CreateUnbounded<Write>(new UnboundedChannelOptions { SingleReader = true });

    public GroupCommit(IDbContextFactory<ConversationDbContext> contexts, TimeProvider clock, SemaphoreSlim? sqliteWriter)
    {
        _contexts = contexts;
        _clock = clock;
        _sqliteWriter = sqliteWriter;
        _ = Task.Run(RunAsync);
    }

    /// <summary>An append (<see cref="Activity"/> set) or a turn completion (<see cref="CompleteSequence"/> set).</summary>
    public sealed record Write(string ConversationId, Activity? Activity, bool PendingTurn, long? CompleteSequence)
    {
        internal TaskCompletionSource<StoredActivity?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Queues the write and returns once it is committed (the stored activity for an append).</summary>
    public Task<StoredActivity?> WriteAsync(Write write, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (!_queue.Writer.TryWrite(write))
        {
            throw new InvalidOperationException("The conversation store's writer has stopped.");
        }
        return write.Done.Task.WaitAsync(ct);
    }

    private async Task RunAsync()
    {
        var batch = new List<Write>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var write))
            {
                batch.Add(write);
            }
            try
            {
                await CommitAsync(batch);
            }
            catch (Exception) when (batch.Count > 1)
            {
                foreach (var write in batch)
                {
                    try
                    {
                        await CommitAsync([write]);
                    }
                    catch (Exception ex)
                    {
                        write.Done.TrySetException(ex);
                    }
                }
            }
            catch (Exception ex)
            {
                batch[0].Done.TrySetException(ex);
            }
        }
    }

    private async Task CommitAsync(List<Write> batch)
    {
        if (_sqliteWriter is not null)
        {
            await _sqliteWriter.WaitAsync();
        }
        try
        {
            var results = await CommitCoreAsync(batch);
            for (var i = 0; i < batch.Count; i++)
            {
                if (results[i].Error is { } error)
                {
                    batch[i].Done.TrySetException(error);
                }
                else
                {
                    batch[i].Done.TrySetResult(results[i].Stored);
                }
            }
        }
        finally
        {
            _sqliteWriter?.Release();
        }
    }

    private async Task<(StoredActivity? Stored, Exception? Error)[]> CommitCoreAsync(List<Write> batch)
    {
        await using var db = await _contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        var results = new (StoredActivity? Stored, Exception? Error)[batch.Count];
        var now = _clock.GetUtcNow();
        // Rows are locked in conversation order (a stable sort keeps each conversation's own order), so two hosts'
        // batches on PostgreSQL cannot deadlock on each other.
        foreach (var i in Enumerable.Range(0, batch.Count).OrderBy(i => batch[i].ConversationId, StringComparer.Ordinal))
        {
            var write = batch[i];
            if (write.CompleteSequence is { } sequence)
            {
                await db.Database.ExecuteSqlAsync($"UPDATE activities SET pending_turn = FALSE WHERE conversation_id = {write.ConversationId} AND sequence = {sequence}");
                continue;
            }

            // One statement allocates the number, stamps the conversation and takes the row's write lock, on SQLite and
            // PostgreSQL alike, so concurrent appends (other requests, other hosts) serialise per conversation.
            var allocated = await db.Database
                .SqlQuery<long>($"UPDATE conversations SET last_sequence = last_sequence + 1, updated_at = {now} WHERE id = {write.ConversationId} RETURNING last_sequence AS \"Value\"")
                .ToListAsync();
            if (allocated.Count == 0)
            {
                results[i] = (null, new ConversationNotFoundException(write.ConversationId));
                continue;
            }

            var activity = write.Activity!;
            var id = ConversationStore.FormatActivityId(write.ConversationId, allocated[0]);
            activity.Id = id;
            activity.Timestamp ??= now;
            activity.Conversation ??= new ConversationAccount();
            activity.Conversation.Id = write.ConversationId;
            db.Activities.Add(new ActivityRecord
            {
                ConversationId = write.ConversationId,
                Sequence = allocated[0],
                ActivityId = id,
                Type = activity.Type ?? ActivityTypes.Message,
                FromId = activity.From?.Id,
                FromRole = activity.From?.Role,
                Timestamp = now,
                PendingTurn = write.PendingTurn,
                Json = ActivityJson.Serialize(activity),
            });
            results[i] = (new StoredActivity(allocated[0], activity), null);
        }
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return results;
    }
}
