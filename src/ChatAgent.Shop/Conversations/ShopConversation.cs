namespace ChatAgent.Shop.Conversations;

/// <summary>
/// What the shop remembers about one conversation for authorization: who was verified, how many verification
/// attempts failed, and how many customer messages have been seen (so a confirmation can only be the very next one).
/// Persisted so a restart does not forget a verification or reopen a lockout.
/// </summary>
public sealed class ShopConversation
{
    public required string Id { get; set; }
    /// <summary>The identity the shop bound into the channel token (Direct Line), if any.</summary>
    public string? BoundCustomerId { get; set; }
    public string? VerifiedCustomerId { get; set; }
    public string? VerificationMethod { get; set; }
    public DateTimeOffset? VerifiedAt { get; set; }
    public int FailedVerificationAttempts { get; set; }
    /// <summary>Set when the conversation must go to a human (e.g. too many failed verifications).</summary>
    public bool NeedsHuman { get; set; }
    public string? NeedsHumanReason { get; set; }
    /// <summary>Number of customer messages the <see cref="ConfirmationGate"/> has seen.</summary>
    public int CustomerMessageCount { get; set; }
    /// <summary>
    /// The id of the latest customer message the <see cref="ConfirmationGate"/> decided; a turn resumed after a crash
    /// asks again with the same id and gets <see cref="LastDecisionJson"/> back instead of a second decision.
    /// </summary>
    public string? LastDecidedMessageId { get; set; }
    /// <summary>The gate's <see cref="ConfirmationOutcome"/> for <see cref="LastDecidedMessageId"/>, as JSON.</summary>
    public string? LastDecisionJson { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public int Version { get; set; }
}

public enum PendingChangeStatus
{
    /// <summary>Proposed to the customer; waiting for their next message.</summary>
    AwaitingConfirmation,
    /// <summary>The customer's next message was an explicit yes; may be applied during this turn.</summary>
    Confirmed,
    Applied,
    /// <summary>Not confirmed by the next message, replaced by another proposal, or not applied in the confirming turn.</summary>
    Expired,
    /// <summary>Confirmed, but the store no longer allowed it when applied (e.g. the order shipped meanwhile).</summary>
    Failed,
}

/// <summary>A proposed write (cancel, modify, return, exchange, address change) waiting for the customer's explicit yes.</summary>
public sealed class PendingChange
{
    /// <summary>The confirmation handle shown to the model, e.g. <c>CHG-7K2M9Q</c>.</summary>
    public required string Handle { get; set; }
    public required string ConversationId { get; set; }
    public required string CustomerId { get; set; }
    /// <summary>The action name (e.g. <c>cancel_pending_order</c>).</summary>
    public required string Action { get; set; }
    public string? OrderId { get; set; }
    /// <summary>The validated arguments, applied as stored (the model cannot alter them after the customer said yes).</summary>
    public required string ArgumentsJson { get; set; }
    /// <summary>What will change, as shown to the customer.</summary>
    public required string SummaryJson { get; set; }
    public PendingChangeStatus Status { get; set; }
    /// <summary><see cref="ShopConversation.CustomerMessageCount"/> when proposed: only message number +1 can confirm it.</summary>
    public int ProposedAtMessage { get; set; }
    public int? ConfirmedAtMessage { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public string? ResultJson { get; set; }
}
