using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Shop.Conversations;

public enum ConfirmationDecision
{
    /// <summary>No change was waiting for this message.</summary>
    NoPendingChange,
    /// <summary>The message was an explicit yes to the waiting change; it may be applied during this turn.</summary>
    Confirmed,
    /// <summary>The message was not an explicit yes; the waiting change expired.</summary>
    Expired,
}

/// <summary>What the gate decided for one customer message.</summary>
public sealed record ConfirmationOutcome(ConfirmationDecision Decision, string? Handle = null, string? Action = null, string? SummaryJson = null);

/// <summary>
/// Turns the customer's own words, not the model's, into authorization for a write. The orchestrator calls
/// <see cref="OnCustomerMessageAsync(string, string, string?, CancellationToken)"/> for every customer message before the model runs. A change proposed by a
/// plugin can only be confirmed by the very next customer message, only if that message is an explicit yes that
/// names nothing else, and only applied during that same turn, with the arguments stored when it was proposed.
/// </summary>
public sealed partial class ConfirmationGate(IDbContextFactory<ShopDbContext> dbFactory, TimeProvider time)
{
    private static readonly HashSet<string> Affirmatives = new(StringComparer.Ordinal)
    {
        "yes", "y", "yeah", "yep", "yup", "ya", "yes.", "sure", "confirm", "confirmed", "correct", "ok", "okay", "proceed", "affirmative", "absolutely", "definitely", "certainly",
    };

    private static readonly HashSet<string> AffirmativePhrases = new(StringComparer.Ordinal)
    {
        "go ahead", "please do", "do it", "that's right", "thats right", "that is right", "that's correct", "that is correct", "sounds good", "i confirm", "please proceed",
    };

    // Anything that hedges, negates, asks or redirects makes the message not an explicit yes.
    private static readonly HashSet<string> Blockers = new(StringComparer.Ordinal)
    {
        "no", "not", "don't", "dont", "do not", "never", "nope", "wait", "stop", "hold", "but", "instead", "except", "actually", "however", "cancel that", "rather", "unless", "maybe", "later", "hmm", "different", "other", "another", "wrong",
    };

    /// <summary>Records one customer message and decides the waiting change, if any. Call it before the model sees the message.</summary>
    public Task<ConfirmationOutcome> OnCustomerMessageAsync(string conversationId, string messageText, CancellationToken cancellationToken = default) =>
        OnCustomerMessageAsync(conversationId, messageText, null, cancellationToken);

    /// <summary>
    /// Records the customer message <paramref name="messageId"/> and decides the waiting change, if any. Asked again for
    /// the same message (its turn resumed after a crash), it returns the decision recorded the first time, committed
    /// together with its effect, and decides nothing anew: a yes already consumed or applied stays that yes.
    /// </summary>
    public async Task<ConfirmationOutcome> OnCustomerMessageAsync(string conversationId, string messageText, string? messageId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(conversationId);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await DecideAsync(conversationId, messageText ?? "", messageId, cancellationToken);
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // A plugin call updated the conversation at the same moment; decide again on fresh state.
            }
        }
    }

    /// <summary>The change waiting for the customer's answer, if any (for the orchestrator or the agent console).</summary>
    public async Task<PendingChange?> GetAwaitingAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.PendingChanges.AsNoTracking()
            .Where(c => c.ConversationId == conversationId && c.Status == PendingChangeStatus.AwaitingConfirmation)
            .OrderByDescending(c => c.ProposedAtMessage)
            .FirstOrDefaultAsync(cancellationToken);
    }

    private async Task<ConfirmationOutcome> DecideAsync(string conversationId, string messageText, string? messageId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var conversation = await CustomerSession.GetOrCreateAsync(db, conversationId, null, time, cancellationToken);
        if (messageId is not null && conversation.LastDecidedMessageId == messageId && conversation.LastDecisionJson is { } decided)
        {
            return JsonSerializer.Deserialize<ConfirmationOutcome>(decided)!;
        }
        conversation.CustomerMessageCount++;
        conversation.Version++;
        var now = time.GetUtcNow();

        var open = await db.PendingChanges
            .Where(c => c.ConversationId == conversationId && (c.Status == PendingChangeStatus.AwaitingConfirmation || c.Status == PendingChangeStatus.Confirmed))
            .ToListAsync(cancellationToken);
        ConfirmationOutcome outcome = new(ConfirmationDecision.NoPendingChange);
        foreach (var change in open)
        {
            var answersThis = change.Status == PendingChangeStatus.AwaitingConfirmation
                && change.ProposedAtMessage == conversation.CustomerMessageCount - 1;
            if (answersThis && IsExplicitYes(messageText, change))
            {
                change.Status = PendingChangeStatus.Confirmed;
                change.ConfirmedAtMessage = conversation.CustomerMessageCount;
                change.DecidedAt = now;
                outcome = new ConfirmationOutcome(ConfirmationDecision.Confirmed, change.Handle, change.Action, change.SummaryJson);
            }
            else
            {
                change.Status = PendingChangeStatus.Expired;
                change.DecidedAt = now;
                if (answersThis)
                {
                    outcome = new ConfirmationOutcome(ConfirmationDecision.Expired, change.Handle, change.Action, change.SummaryJson);
                }
            }
        }
        conversation.LastDecidedMessageId = messageId;
        conversation.LastDecisionJson = messageId is null ? null : JsonSerializer.Serialize(outcome);
        await db.SaveChangesAsync(cancellationToken);
        return outcome;
    }

    /// <summary>
    /// True when <paramref name="text"/> is an unambiguous yes: it starts with an affirmative, hedges or negates nothing,
    /// asks nothing, and mentions no order id, item id or handle other than those of <paramref name="change"/>.
    /// </summary>
    public static bool IsExplicitYes(string text, PendingChange change)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > 300 || text.Contains('?'))
        {
            return false;
        }
        // The two cancellation reasons contain "no" and "mistake" but are not hedges.
        var lowered = text.ToLowerInvariant().Replace("no longer needed", " ", StringComparison.Ordinal).Replace("ordered by mistake", " ", StringComparison.Ordinal);
        var normalized = " " + Regex.Replace(lowered.Replace('’', '\''), @"[^\w#'\-]+", " ").Trim() + " ";
        var words = normalized.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0 || words.Length > 25)
        {
            return false;
        }
        if (Blockers.Any(b => normalized.Contains($" {b} ", StringComparison.Ordinal)))
        {
            return false;
        }
        var startsWithYes = Affirmatives.Contains(words[0]) || AffirmativePhrases.Any(p => normalized.StartsWith($" {p} ", StringComparison.Ordinal));
        if (!startsWithYes)
        {
            return false;
        }

        // A yes that names another order, item or handle answers a different change.
        var known = (change.ArgumentsJson + " " + change.Handle).ToLowerInvariant();
        foreach (Match m in IdPattern().Matches(text.ToLowerInvariant()))
        {
            if (!known.Contains(m.Value, StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    internal async Task<PendingChange> ProposeAsync(ShopDbContext db, string conversationId, string customerId, string action, string? orderId, string argumentsJson, string summaryJson, CancellationToken cancellationToken)
    {
        var conversation = await CustomerSession.GetOrCreateAsync(db, conversationId, null, time, cancellationToken);
        // One proposal at a time: a newer one replaces (expires) anything still open, so a yes can only answer the latest.
        var open = await db.PendingChanges
            .Where(c => c.ConversationId == conversationId && (c.Status == PendingChangeStatus.AwaitingConfirmation || c.Status == PendingChangeStatus.Confirmed))
            .ToListAsync(cancellationToken);
        // The same change proposed again for the same customer message (a turn resumed after a crash) is the same proposal.
        if (open.FirstOrDefault(o => o.Status == PendingChangeStatus.AwaitingConfirmation && o.ProposedAtMessage == conversation.CustomerMessageCount
            && o.CustomerId == customerId && o.Action == action && o.ArgumentsJson == argumentsJson) is { } same)
        {
            return same;
        }
        foreach (var o in open)
        {
            o.Status = PendingChangeStatus.Expired;
            o.DecidedAt = time.GetUtcNow();
        }
        var change = new PendingChange
        {
            Handle = NewHandle(),
            ConversationId = conversationId,
            CustomerId = customerId,
            Action = action,
            OrderId = orderId,
            ArgumentsJson = argumentsJson,
            SummaryJson = summaryJson,
            Status = PendingChangeStatus.AwaitingConfirmation,
            ProposedAtMessage = conversation.CustomerMessageCount,
            CreatedAt = time.GetUtcNow(),
        };
        db.PendingChanges.Add(change);
        await db.SaveChangesAsync(cancellationToken);
        return change;
    }

    /// <summary>The change behind <paramref name="handle"/> if, and only if, this conversation's customer confirmed it in their latest message.</summary>
    internal static async Task<(PendingChange? Change, string? Refusal)> FindConfirmedAsync(ShopDbContext db, string conversationId, string customerId, string handle, CancellationToken cancellationToken)
    {
        var h = (handle ?? "").Trim().ToUpperInvariant();
        var change = await db.PendingChanges.FirstOrDefaultAsync(c => c.Handle == h && c.ConversationId == conversationId, cancellationToken);
        if (change is null || change.CustomerId != customerId)
        {
            return (null, $"There is no proposed change '{handle}' in this conversation. Propose the change first, show it to the customer and wait for their explicit yes.");
        }
        var conversation = await db.Conversations.AsNoTracking().FirstAsync(c => c.Id == conversationId, cancellationToken);
        return change.Status switch
        {
            PendingChangeStatus.Confirmed when change.ConfirmedAtMessage == conversation.CustomerMessageCount => (change, null),
            // Applied (or found impossible) in answer to this very message, before a crash: the same outcome again, not a second write.
            PendingChangeStatus.Applied or PendingChangeStatus.Failed when change.ConfirmedAtMessage == conversation.CustomerMessageCount && change.ResultJson is not null => (change, null),
            PendingChangeStatus.AwaitingConfirmation => (null, $"Change {change.Handle} is not confirmed: the customer's next message must be an explicit yes to it. Ask the customer to confirm and wait for their reply."),
            PendingChangeStatus.Applied => (null, $"Change {change.Handle} was already applied."),
            PendingChangeStatus.Failed => (null, $"Change {change.Handle} could not be applied earlier; propose it again if still wanted."),
            _ => (null, $"Change {change.Handle} expired: the customer did not give an explicit yes in their next message, or another change was proposed since. Propose it again and ask for confirmation."),
        };
    }

    private static string NewHandle()
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        Span<char> chars = stackalloc char[6];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        }
        return "CHG-" + new string(chars);
    }

    [GeneratedRegex(@"#?w\d{5,}|\b\d{8,}\b|chg-[a-z0-9]{6}|\b(?:credit_card|paypal|gift_card)_\d+\b")]
    private static partial Regex IdPattern();
}
