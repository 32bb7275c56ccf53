using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Service;
using ChatAgent.Conversations.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ChatAgent.Host.AgentConsole;

/// <summary>A refused console action: the HTTP status, a stable code and a message for the agent.</summary>
public sealed class AgentDeskException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
}

/// <summary>A conversation waiting in (or claimed from) the queue.</summary>
public sealed record QueueItem(
    string ConversationId,
    string Customer,
    string? Reason,
    string? Summary,
    DateTimeOffset WaitingSince,
    string? AssignedTo,
    string? AssignedToName,
    string? LastCustomerMessage,
    DateTimeOffset? LastCustomerMessageAt,
    long LastSequence);

/// <summary>Everything the conversation view shows.</summary>
public sealed record ConversationDetail(
    string ConversationId,
    string ChannelId,
    string Customer,
    string Status,
    DateTimeOffset CreatedAt,
    AgentCase? Case,
    IReadOnlyList<Activity> Activities,
    long LastSequence,
    IReadOnlyList<AgentNote> Notes,
    IReadOnlyList<AgentAuditEntry> Audit);

/// <summary>
/// The agents' work on escalated conversations: the queue, claims, replies, notes, transfers, resolution and the
/// audit log. The conversation store owns status and transcript; this class keeps its own per-conversation data.
/// </summary>
public sealed class AgentDesk(
    IDbContextFactory<AgentConsoleDbContext> consoleContexts,
    IDbContextFactory<ConversationDbContext> conversationContexts,
    ConversationStore store,
    ConversationService conversations,
    AgentAccounts accounts,
    AgentConsoleMeters meters,
    IOptions<AgentConsoleOptions> options,
    TimeProvider clock)
{
    public const string OutcomeResolved = "resolved";
    public const string OutcomeHandedBack = "handed_back";

    /// <summary>Escalated conversations, longest waiting first. New escalations get their case row here.</summary>
    public async Task<IReadOnlyList<QueueItem>> GetQueueAsync(CancellationToken ct)
    {
        await using var conversationDb = await conversationContexts.CreateDbContextAsync(ct);
        var escalated = await conversationDb.Conversations.AsNoTracking()
            .Where(c => c.Status == ConversationStatus.Escalated)
            .ToListAsync(ct);
        if (escalated.Count == 0)
        {
            return [];
        }

        var ids = escalated.Select(c => c.Id).ToList();
        await using var db = await consoleContexts.CreateDbContextAsync(ct);
        var cases = await db.Cases.Where(c => ids.Contains(c.ConversationId)).ToDictionaryAsync(c => c.ConversationId, ct);
        var names = (await accounts.ListAsync(ct)).ToDictionary(a => a.UserName, a => a.DisplayName);

        var items = new List<QueueItem>(escalated.Count);
        foreach (var conversation in escalated)
        {
            var @case = await OpenCaseAsync(db, cases.GetValueOrDefault(conversation.Id), conversation, ct);
            var lastCustomer = await conversationDb.Activities.AsNoTracking()
                .Where(a => a.ConversationId == conversation.Id && a.FromRole == RoleTypes.User && a.Type == ActivityTypes.Message)
                .OrderByDescending(a => a.Sequence)
                .Select(a => a.Json)
                .FirstOrDefaultAsync(ct);
            var lastActivity = lastCustomer is null ? null : ActivityJson.Deserialize(lastCustomer);
            items.Add(new QueueItem(
                conversation.Id,
                CustomerOf(conversation, lastActivity),
                @case.Reason,
                @case.Summary,
                @case.EscalatedAt,
                @case.AssignedTo,
                @case.AssignedTo is null ? null : names.GetValueOrDefault(@case.AssignedTo, @case.AssignedTo),
                lastActivity?.Text,
                lastActivity?.Timestamp,
                conversation.LastSequence));
        }
        return items.OrderBy(i => i.WaitingSince).ThenBy(i => i.ConversationId, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Records an escalation's reason and the agent-facing summary (for an orchestrator that hands over without
    /// writing a <c>handoff</c> event into the transcript).
    /// </summary>
    public async Task RecordEscalationAsync(string conversationId, string? reason, string? summary, CancellationToken ct)
    {
        var conversation = await store.FindConversationAsync(conversationId, ct) ?? throw NotFound(conversationId);
        await using var db = await consoleContexts.CreateDbContextAsync(ct);
        var @case = await OpenCaseAsync(db, await db.Cases.FirstOrDefaultAsync(c => c.ConversationId == conversationId, ct), conversation, ct, (reason, summary));
        @case.Reason = Truncate(reason, 256);
        @case.Summary = Truncate(summary, 4000);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Throws the console's 404 when the conversation does not exist.</summary>
    public async Task RequireConversationAsync(string conversationId, CancellationToken ct) =>
        _ = await store.FindConversationAsync(conversationId, ct) ?? throw NotFound(conversationId);

    public async Task<ConversationDetail> GetConversationAsync(string conversationId, CancellationToken ct)
    {
        var conversation = await store.FindConversationAsync(conversationId, ct) ?? throw NotFound(conversationId);
        var activities = new List<Activity>();
        long after = 0;
        while (true)
        {
            var page = await store.GetActivitiesAsync(conversationId, after, 500, ct);
            activities.AddRange(page.Select(p => p.Activity));
            if (page.Count < 500)
            {
                break;
            }
            after = page[^1].Sequence;
        }

        await using var db = await consoleContexts.CreateDbContextAsync(ct);
        var @case = await db.Cases.FirstOrDefaultAsync(c => c.ConversationId == conversationId, ct);
        if (conversation.Status == ConversationStatus.Escalated)
        {
            @case = await OpenCaseAsync(db, @case, conversation, ct);
        }
        var notes = await db.Notes.AsNoTracking().Where(n => n.ConversationId == conversationId).OrderBy(n => n.Id).ToListAsync(ct);
        var audit = await db.Audit.AsNoTracking().Where(a => a.ConversationId == conversationId).OrderBy(a => a.Id).ToListAsync(ct);
        var firstCustomer = activities.FirstOrDefault(a => a.From?.Role == RoleTypes.User);
        return new ConversationDetail(conversation.Id, conversation.ChannelId, CustomerOf(conversation, firstCustomer), conversation.Status.ToString(),
            conversation.CreatedAt, @case, activities, conversation.LastSequence, notes, audit);
    }

    public async Task<AgentCase> ClaimAsync(string conversationId, AgentSummary agent, CancellationToken ct)
    {
        var conversation = await RequireEscalatedAsync(conversationId, ct);
        await using var db = await consoleContexts.CreateDbContextAsync(ct);
        await OpenCaseAsync(db, await db.Cases.FirstOrDefaultAsync(c => c.ConversationId == conversationId, ct), conversation, ct);
        var now = clock.GetUtcNow();
        // One conditional update, so two agents clicking "claim" at once cannot both win.
        var claimed = await db.Cases
            .Where(c => c.ConversationId == conversationId && (c.AssignedTo == null || c.AssignedTo == agent.UserName))
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.AssignedTo, agent.UserName).SetProperty(c => c.ClaimedAt, now), ct);
        if (claimed == 0)
        {
            var holder = await db.Cases.AsNoTracking().Where(c => c.ConversationId == conversationId).Select(c => c.AssignedTo).FirstAsync(ct);
            throw new AgentDeskException(StatusCodes.Status409Conflict, "AlreadyClaimed", $"The conversation is already claimed by {holder}.");
        }
        await AuditAsync(db, agent.UserName, "claimed", conversationId, null, ct);
        return await db.Cases.AsNoTracking().FirstAsync(c => c.ConversationId == conversationId, ct);
    }

    /// <summary>Sends the agent's reply into the customer's channel, marked as a person speaking under the agent's display name.</summary>
    public async Task<Activity> ReplyAsync(string conversationId, AgentSummary agent, string? text, CancellationToken ct)
    {
        var message = RequireText(text, "reply");
        var conversation = await RequireEscalatedAsync(conversationId, ct);
        await using var db = await consoleContexts.CreateDbContextAsync(ct);
        var @case = await RequireHolderAsync(db, conversationId, agent, ct);

        var sent = await conversations.SendAsync(conversation, new Activity
        {
            Type = ActivityTypes.Message,
            Text = message,
            TextFormat = "plain",
            // The account number, not the sign-in name: customers must not learn names to guess passwords for.
            From = new ChannelAccount { Id = $"agent:{agent.AccountId}", Name = agent.DisplayName, Role = RoleTypes.Bot },
            ChannelData = new JsonObject { ["sender"] = "agent" },
        }, ct);

        if (@case.FirstResponseAt is null)
        {
            @case.FirstResponseAt = clock.GetUtcNow();
            meters.FirstResponse(agent.UserName, @case.FirstResponseAt.Value - @case.EscalatedAt);
        }
        await db.SaveChangesAsync(ct);
        await AuditAsync(db, agent.UserName, "replied", conversationId, sent.Id, ct);
        return sent;
    }

    public async Task<AgentNote> AddNoteAsync(string conversationId, AgentSummary agent, string? text, CancellationToken ct)
    {
        var body = RequireText(text, "note");
        _ = await store.FindConversationAsync(conversationId, ct) ?? throw NotFound(conversationId);
        await using var db = await consoleContexts.CreateDbContextAsync(ct);
        var note = new AgentNote { ConversationId = conversationId, Author = agent.UserName, Text = body, CreatedAt = clock.GetUtcNow() };
        db.Notes.Add(note);
        await db.SaveChangesAsync(ct);
        await AuditAsync(db, agent.UserName, "noted", conversationId, null, ct);
        return note;
    }

    public async Task<AgentCase> TransferAsync(string conversationId, AgentSummary agent, string? toUserName, CancellationToken ct)
    {
        await RequireEscalatedAsync(conversationId, ct);
        var target = string.IsNullOrWhiteSpace(toUserName) ? null : await accounts.FindAsync(toUserName, ct);
        if (target is null)
        {
            throw new AgentDeskException(StatusCodes.Status400BadRequest, "UnknownAgent", $"There is no agent named '{toUserName}'.");
        }
        await using var db = await consoleContexts.CreateDbContextAsync(ct);
        var @case = await RequireHolderAsync(db, conversationId, agent, ct);
        @case.AssignedTo = target.UserName;
        @case.ClaimedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        await AuditAsync(db, agent.UserName, "transferred", conversationId, $"to {target.UserName}", ct);
        return @case;
    }

    /// <summary>
    /// Closes the agent's case: the conversation goes back to Active, so the bot answers the customer's next message;
    /// the customer's widget is asked for a rating (<see cref="AgentRatings.RequestEventName"/>) unless <c>AskForRating</c> is off.
    /// </summary>
    public async Task<AgentCase> ResolveAsync(string conversationId, AgentSummary agent, CancellationToken ct)
    {
        var @case = await CloseAsync(conversationId, agent, OutcomeResolved, "resolved", ct);
        if (options.Value.AskForRating && await store.FindConversationAsync(conversationId, ct) is { } conversation)
        {
            await conversations.SendAsync(conversation, new Activity
            {
                Type = ActivityTypes.Event,
                Name = AgentRatings.RequestEventName,
                Value = new JsonObject { ["agent"] = agent.DisplayName, ["maxStars"] = 5, ["maxCommentLength"] = options.Value.MaxRatingCommentLength },
            }, ct);
        }
        return @case;
    }

    /// <summary>Returns the conversation to the bot without marking the customer's problem solved.</summary>
    public Task<AgentCase> HandBackAsync(string conversationId, AgentSummary agent, CancellationToken ct) =>
        CloseAsync(conversationId, agent, OutcomeHandedBack, "handed_back", ct);

    private async Task<AgentCase> CloseAsync(string conversationId, AgentSummary agent, string outcome, string action, CancellationToken ct)
    {
        await RequireEscalatedAsync(conversationId, ct);
        await using var db = await consoleContexts.CreateDbContextAsync(ct);
        var @case = await RequireHolderAsync(db, conversationId, agent, ct);
        @case.Outcome = outcome;
        @case.ClosedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        await store.SetStatusAsync(conversationId, ConversationStatus.Active, ct);
        await AuditAsync(db, agent.UserName, action, conversationId, null, ct);
        meters.Closed(outcome);
        return @case;
    }

    /// <summary>The newest audit entries (all conversations), newest first.</summary>
    public async Task<IReadOnlyList<AgentAuditEntry>> GetAuditAsync(int limit, CancellationToken ct)
    {
        await using var db = await consoleContexts.CreateDbContextAsync(ct);
        return await db.Audit.AsNoTracking().OrderByDescending(a => a.Id).Take(Math.Clamp(limit, 1, 1000)).ToListAsync(ct);
    }

    /// <summary>Records a console action that is not about one conversation (sign-in, sign-out, failed sign-in).</summary>
    public async Task AuditAsync(string actor, string action, string? detail, CancellationToken ct)
    {
        await using var db = await consoleContexts.CreateDbContextAsync(ct);
        await AuditAsync(db, actor, action, null, detail, ct);
    }

    private async Task AuditAsync(AgentConsoleDbContext db, string actor, string action, string? conversationId, string? detail, CancellationToken ct)
    {
        db.Audit.Add(new AgentAuditEntry { At = clock.GetUtcNow(), Actor = Truncate(actor, 64)!, Action = action, ConversationId = conversationId, Detail = Truncate(detail, 1000) });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// The open case of an escalated conversation, created on first sight. A conversation escalated again after an
    /// agent closed it starts a fresh case (the audit log keeps the earlier one's actions).
    /// </summary>
    private async Task<AgentCase> OpenCaseAsync(AgentConsoleDbContext db, AgentCase? @case, ConversationRecord conversation, CancellationToken ct,
        (string? Reason, string? Summary)? given = null)
    {
        if (@case is not null && @case.Outcome is null)
        {
            if (@case.Reason is null && @case.Summary is null)
            {
                (@case.Reason, @case.Summary) = await ReadHandoffAsync(conversation.Id, ct);
                if (@case.Reason is not null || @case.Summary is not null)
                {
                    await db.SaveChangesAsync(ct);
                }
            }
            return @case;
        }

        var (reason, summary) = given is { } g ? (Truncate(g.Reason, 256), Truncate(g.Summary, 4000)) : await ReadHandoffAsync(conversation.Id, ct);
        var now = clock.GetUtcNow();
        // UpdatedAt moved when the status changed, so it is the best known start of the wait for a case seen late.
        var since = conversation.UpdatedAt < now ? conversation.UpdatedAt : now;
        if (@case is null)
        {
            @case = new AgentCase { ConversationId = conversation.Id, EscalatedAt = since, Reason = reason, Summary = summary };
            db.Cases.Add(@case);
        }
        else
        {
            @case.EscalatedAt = since;
            @case.Reason = reason;
            @case.Summary = summary;
            @case.AssignedTo = null;
            @case.ClaimedAt = null;
            @case.FirstResponseAt = null;
            @case.ClosedAt = null;
            @case.Outcome = null;
            @case.Rating = null;
            @case.RatingComment = null;
            @case.RatedAt = null;
        }
        try
        {
            await db.SaveChangesAsync(ct);
            meters.Escalated(reason);
        }
        catch (DbUpdateException)
        {
            // Another request opened the case at the same moment: use theirs.
            db.ChangeTracker.Clear();
            @case = await db.Cases.FirstAsync(c => c.ConversationId == conversation.Id, ct);
        }
        return @case;
    }

    /// <summary>
    /// Reason and summary from the newest <c>handoff</c> event in the transcript (Bot Framework's handoff convention:
    /// an event named <c>handoff.initiate</c> or <c>handoff</c> whose value carries <c>reason</c> and <c>summary</c>).
    /// </summary>
    private async Task<(string? Reason, string? Summary)> ReadHandoffAsync(string conversationId, CancellationToken ct)
    {
        await using var db = await conversationContexts.CreateDbContextAsync(ct);
        var events = await db.Activities.AsNoTracking()
            // Only the bot's own handoff counts: a customer's client can post an event of that name too.
            .Where(a => a.ConversationId == conversationId && a.Type == ActivityTypes.Event && a.FromRole != RoleTypes.User)
            .OrderByDescending(a => a.Sequence)
            .Select(a => a.Json)
            .Take(50)
            .ToListAsync(ct);
        foreach (var json in events)
        {
            var activity = ActivityJson.Deserialize(json);
            if (activity.Name is not null && activity.Name.StartsWith("handoff", StringComparison.OrdinalIgnoreCase) && activity.Value is JsonObject value)
            {
                return (Truncate(StringOf(value["reason"]), 256), Truncate(StringOf(value["summary"]), 4000));
            }
        }
        return (null, null);
    }

    private static string? StringOf(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node?.ToJsonString();

    private async Task<ConversationRecord> RequireEscalatedAsync(string conversationId, CancellationToken ct)
    {
        var conversation = await store.FindConversationAsync(conversationId, ct) ?? throw NotFound(conversationId);
        if (conversation.Status != ConversationStatus.Escalated)
        {
            throw new AgentDeskException(StatusCodes.Status409Conflict, "NotEscalated", $"The conversation is {conversation.Status.ToString().ToLowerInvariant()}, not escalated: the bot has it.");
        }
        return conversation;
    }

    /// <summary>Only the agent who claimed a case acts on it; an admin may act on any claimed case.</summary>
    private static async Task<AgentCase> RequireHolderAsync(AgentConsoleDbContext db, string conversationId, AgentSummary agent, CancellationToken ct)
    {
        var @case = await db.Cases.FirstOrDefaultAsync(c => c.ConversationId == conversationId, ct);
        if (@case?.AssignedTo is null)
        {
            throw new AgentDeskException(StatusCodes.Status409Conflict, "NotClaimed", "Claim the conversation first.");
        }
        if (@case.AssignedTo != agent.UserName && agent.Role != AgentRole.Admin)
        {
            throw new AgentDeskException(StatusCodes.Status409Conflict, "ClaimedByOther", $"The conversation is claimed by {@case.AssignedTo}.");
        }
        return @case;
    }

    private string RequireText(string? text, string what)
    {
        var trimmed = text?.Trim() ?? string.Empty;
        if (trimmed.Length == 0)
        {
            throw new AgentDeskException(StatusCodes.Status400BadRequest, "MissingProperty", $"The {what} text is empty.");
        }
        if (trimmed.Length > options.Value.MaxMessageLength)
        {
            throw new AgentDeskException(StatusCodes.Status400BadRequest, "MessageSizeTooBig", $"The {what} is longer than {options.Value.MaxMessageLength} characters.");
        }
        return trimmed;
    }

    private static string CustomerOf(ConversationRecord conversation, Activity? customerActivity) =>
        conversation.UserId
        ?? (customerActivity?.From?.Name is { Length: > 0 } name ? $"{name} (unverified)" : null)
        ?? "anonymous visitor";

    private static AgentDeskException NotFound(string conversationId) =>
        new(StatusCodes.Status404NotFound, "NotFound", $"Conversation '{conversationId}' does not exist.");

    private static string? Truncate(string? value, int max) => value is null || value.Length <= max ? value : value[..max];
}
