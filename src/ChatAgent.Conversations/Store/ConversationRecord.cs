namespace ChatAgent.Conversations.Store;

/// <summary>Who answers a conversation's next customer message.</summary>
public enum ConversationStatus
{
    /// <summary>The bot answers.</summary>
    Active,
    /// <summary>Handed to a human: the bot stays silent until an agent hands it back.</summary>
    Escalated,
    /// <summary>
    /// Closed. Direct Line refuses further activities (404; its client starts a new conversation). A Bot Framework
    /// channel owns its conversation id for good (a Teams chat persists), so its customer's next message reopens it.
    /// </summary>
    Ended,
}

/// <summary>A conversation on any channel; its activities are the transcript.</summary>
public sealed class ConversationRecord
{
    public required string Id { get; set; }
    public required string ChannelId { get; set; }
    /// <summary>Where a Bot Framework channel wants replies posted; null for Direct Line.</summary>
    public string? ServiceUrl { get; set; }
    /// <summary>The customer identity the shop's backend bound into the token, if any (trusted).</summary>
    public string? UserId { get; set; }
    public ConversationStatus Status { get; set; } = ConversationStatus.Active;
    /// <summary>The sequence number of the newest activity; the watermark follows it.</summary>
    public long LastSequence { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One stored activity: the full JSON plus the columns that are queried.</summary>
public sealed class ActivityRecord
{
    public required string ConversationId { get; set; }
    /// <summary>1, 2, 3… within the conversation, in the order activities were accepted.</summary>
    public long Sequence { get; set; }
    public required string ActivityId { get; set; }
    public required string Type { get; set; }
    public string? FromId { get; set; }
    public string? FromRole { get; set; }
    public DateTimeOffset Timestamp { get; set; }
    /// <summary>A customer message whose turn has not yet been handled (survives restarts, then resumes).</summary>
    public bool PendingTurn { get; set; }
    public required string Json { get; set; }
}
