using ChatAgent.Conversations.Activities;
using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Conversations.Store;

/// <summary>An activity as stored: its place in the conversation's order (the watermark) and its content.</summary>
public sealed record StoredActivity(long Sequence, Activity Activity);

/// <summary>All reads and writes of conversations and transcripts.</summary>
public sealed class ConversationStore
{
    private readonly IDbContextFactory<ConversationDbContext> _contexts;
    private readonly TimeProvider _clock;
    // SQLite has one writer at a time; concurrent writers that collide back off in its busy handler with sleeps
    // of up to 100 ms. Queuing this process's writers here instead keeps commits back to back.
    private readonly SemaphoreSlim? _sqliteWriter;
    private readonly GroupCommit _commits;

    public ConversationStore(IDbContextFactory<ConversationDbContext> contexts, TimeProvider clock)
    {
        _contexts = contexts;
        _clock = clock;
        _sqliteWriter = IsSqlite(contexts) ? new SemaphoreSlim(1, 1) : null;
        _commits = new GroupCommit(contexts, clock, _sqliteWriter);
    }

    private static bool IsSqlite(IDbContextFactory<ConversationDbContext> contexts)
    {
        using var db = contexts.CreateDbContext();
        return db.Database.IsSqlite();
    }

    private async Task<T> WriteAsync<T>(Func<Task<T>> write, CancellationToken ct)
    {
        if (_sqliteWriter is null)
        {
            return await write();
        }
        await _sqliteWriter.WaitAsync(ct);
        try
        {
            return await write();
        }
        finally
        {
            _sqliteWriter.Release();
        }
    }

    /// <summary>Creates the conversation if it does not exist yet; returns the stored record either way.</summary>
    public async Task<ConversationRecord> EnsureConversationAsync(string id, string channelId, string? userId, string? serviceUrl, CancellationToken ct)
    {
        await using var db = await _contexts.CreateDbContextAsync(ct);
        var existing = await db.Conversations.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        if (existing is not null)
        {
            return existing;
        }

        var now = _clock.GetUtcNow();
        var record = new ConversationRecord { Id = id, ChannelId = channelId, UserId = userId, ServiceUrl = serviceUrl, CreatedAt = now, UpdatedAt = now };
        db.Conversations.Add(record);
        try
        {
            await WriteAsync(() => db.SaveChangesAsync(ct), ct);
            return record;
        }
        catch (DbUpdateException)
        {
            // Another request created it first (two tabs, two hosts): theirs is the conversation.
            await using var again = await _contexts.CreateDbContextAsync(ct);
            return await again.Conversations.AsNoTracking().FirstAsync(c => c.Id == id, ct);
        }
    }

    public async Task<ConversationRecord?> FindConversationAsync(string id, CancellationToken ct)
    {
        await using var db = await _contexts.CreateDbContextAsync(ct);
        return await db.Conversations.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
    }

    /// <summary>
    /// Durably appends an activity: it gets the next sequence number of its conversation and the id
    /// <c>{conversationId}|{sequence}</c>, and is committed before this returns. Appends and turn completions that
    /// arrive together are committed together (group commit, see <see cref="GroupCommit"/>).
    /// </summary>
    public async Task<StoredActivity> AppendAsync(string conversationId, Activity activity, bool pendingTurn, CancellationToken ct) =>
        (await _commits.WriteAsync(new GroupCommit.Write(conversationId, activity, pendingTurn, null), ct))!;

    /// <summary>Clears the pending flag of a customer message whose turn is over (committed before this returns).</summary>
    public Task CompleteTurnAsync(string conversationId, long sequence, CancellationToken ct) =>
        _commits.WriteAsync(new GroupCommit.Write(conversationId, null, false, sequence), ct);

    /// <summary>Activities after <paramref name="afterSequence"/> (the client's watermark), oldest first.</summary>
    public async Task<IReadOnlyList<StoredActivity>> GetActivitiesAsync(string conversationId, long afterSequence, int limit, CancellationToken ct)
    {
        await using var db = await _contexts.CreateDbContextAsync(ct);
        var rows = await db.Activities.AsNoTracking()
            .Where(a => a.ConversationId == conversationId && a.Sequence > afterSequence)
            .OrderBy(a => a.Sequence)
            .Take(limit)
            .Select(a => new { a.Sequence, a.Json })
            .ToListAsync(ct);
        return rows.Select(r => new StoredActivity(r.Sequence, ActivityJson.Deserialize(r.Json))).ToList();
    }

    /// <summary>The latest <paramref name="limit"/> activities of a conversation, oldest first (the window a turn reads instead of the whole transcript).</summary>
    public async Task<IReadOnlyList<StoredActivity>> GetRecentActivitiesAsync(string conversationId, int limit, CancellationToken ct)
    {
        await using var db = await _contexts.CreateDbContextAsync(ct);
        var rows = await db.Activities.AsNoTracking()
            .Where(a => a.ConversationId == conversationId)
            .OrderByDescending(a => a.Sequence)
            .Take(limit)
            .Select(a => new { a.Sequence, a.Json })
            .ToListAsync(ct);
        rows.Reverse();
        return rows.Select(r => new StoredActivity(r.Sequence, ActivityJson.Deserialize(r.Json))).ToList();
    }

    /// <summary>
    /// What the turn for the customer message at <paramref name="turnSequence"/> already stored (activities after it
    /// whose <c>replyToId</c> is that message), oldest first: empty unless the turn was interrupted and now resumes.
    /// </summary>
    public async Task<IReadOnlyList<StoredActivity>> GetTurnRecordAsync(string conversationId, long turnSequence, string turnActivityId, CancellationToken ct)
    {
        var recorded = new List<StoredActivity>();
        var after = turnSequence;
        while (true)
        {
            var page = await GetActivitiesAsync(conversationId, after, 500, ct);
            recorded.AddRange(page.Where(a => a.Activity.ReplyToId == turnActivityId && a.Activity.From?.Role != RoleTypes.User));
            if (page.Count < 500)
            {
                return recorded;
            }
            after = page[^1].Sequence;
        }
    }

    /// <summary>Customer messages of one conversation still waiting for their turn, oldest first.</summary>
    public async Task<IReadOnlyList<StoredActivity>> GetPendingTurnsAsync(string conversationId, CancellationToken ct)
    {
        await using var db = await _contexts.CreateDbContextAsync(ct);
        var rows = await db.Activities.AsNoTracking()
            .Where(a => a.ConversationId == conversationId && a.PendingTurn)
            .OrderBy(a => a.Sequence)
            .Select(a => new { a.Sequence, a.Json })
            .ToListAsync(ct);
        return rows.Select(r => new StoredActivity(r.Sequence, ActivityJson.Deserialize(r.Json))).ToList();
    }

    /// <summary>Conversations with at least one unhandled customer message (after a restart, these resume).</summary>
    public async Task<IReadOnlyList<string>> GetConversationsWithPendingTurnsAsync(CancellationToken ct)
    {
        await using var db = await _contexts.CreateDbContextAsync(ct);
        return await db.Activities.AsNoTracking().Where(a => a.PendingTurn).Select(a => a.ConversationId).Distinct().ToListAsync(ct);
    }

    public Task SetStatusAsync(string conversationId, ConversationStatus status, CancellationToken ct) => WriteAsync(async () =>
    {
        await using var db = await _contexts.CreateDbContextAsync(ct);
        var now = _clock.GetUtcNow();
        return await db.Conversations.Where(c => c.Id == conversationId)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, status).SetProperty(c => c.UpdatedAt, now), ct);
    }, ct);

    /// <summary>Records where a Bot Framework channel now wants replies posted (channels move a conversation to another serviceUrl).</summary>
    public Task SetServiceUrlAsync(string conversationId, string serviceUrl, CancellationToken ct) => WriteAsync(async () =>
    {
        await using var db = await _contexts.CreateDbContextAsync(ct);
        return await db.Conversations.Where(c => c.Id == conversationId)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.ServiceUrl, serviceUrl), ct);
    }, ct);

    /// <summary>Direct Line's id shape: the conversation id, a bar, and the zero-padded sequence number.</summary>
    public static string FormatActivityId(string conversationId, long sequence) => $"{conversationId}|{sequence:D7}";
}

/// <summary>The conversation does not exist (never started, or deleted).</summary>
public sealed class ConversationNotFoundException(string conversationId)
    : Exception($"Conversation '{conversationId}' does not exist.")
{
    public string ConversationId { get; } = conversationId;
}
