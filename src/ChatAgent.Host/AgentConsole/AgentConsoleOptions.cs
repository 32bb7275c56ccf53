using System.ComponentModel.DataAnnotations;

namespace ChatAgent.Host.AgentConsole;

/// <summary>The <c>AgentConsole</c> section of <c>appsettings.json</c>.</summary>
public sealed class AgentConsoleOptions
{
    public const string Section = "AgentConsole";

    /// <summary>Wrong passwords in a row before an account is locked.</summary>
    [Range(1, 100)]
    public int MaxFailedSignIns { get; set; } = 5;

    /// <summary>How long a locked account stays locked.</summary>
    [Range(1, 24 * 60)]
    public int LockoutMinutes { get; set; } = 15;

    /// <summary>Sign-in attempts one client address may make per minute (a burst of that size); more get 429 with Retry-After.</summary>
    [Range(1, 100_000)]
    public int SignInsPerMinutePerAddress { get; set; } = 30;

    /// <summary>Sign-in attempts per minute for one account name, from any address; more get 429 with Retry-After.</summary>
    [Range(1, 100_000)]
    public int SignInsPerMinutePerAccount { get; set; } = 10;

    /// <summary>How long a console sign-in lasts without activity (sliding).</summary>
    [Range(5, 7 * 24 * 60)]
    public int SessionMinutes { get; set; } = 8 * 60;

    /// <summary>
    /// Seconds between store reads of the live event stream. Customer messages on this host arrive at once through the
    /// conversation feed; the periodic read catches escalations and messages written by other hosts.
    /// </summary>
    [Range(1, 60)]
    public int RefreshSeconds { get; set; } = 2;

    /// <summary>The longest agent reply or note accepted (characters).</summary>
    [Range(1, 100_000)]
    public int MaxMessageLength { get; set; } = 4000;

    /// <summary>The column size of a rating comment; <see cref="MaxRatingCommentLength"/> cannot exceed it.</summary>
    public const int RatingCommentLimit = 2000;

    /// <summary>Whether resolving a conversation asks the customer's widget for a 1-5 star rating.</summary>
    public bool AskForRating { get; set; } = true;

    /// <summary>The longest optional comment a customer may send with a rating (characters).</summary>
    [Range(0, RatingCommentLimit)]
    public int MaxRatingCommentLength { get; set; } = 1000;
}
