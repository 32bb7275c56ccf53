using System.ComponentModel.DataAnnotations;

namespace ChatAgent.Conversations.Service;

/// <summary>The <c>Conversations</c> section of <c>appsettings.json</c>.</summary>
public sealed class ConversationOptions
{
    public const string Section = "Conversations";

    /// <summary>The bot's account id on activities it sends.</summary>
    [Required, MaxLength(64)]
    public string BotId { get; set; } = "chatagent";

    /// <summary>The bot's display name in the widget.</summary>
    [Required, MaxLength(64)]
    public string BotName { get; set; } = "Shop assistant";

    /// <summary>How many conversations the bot answers at the same time (others wait their turn).</summary>
    [Range(1, 10_000)]
    public int MaxParallelTurns { get; set; } = 64;

    /// <summary>A turn that runs longer is cancelled and the customer gets an apology.</summary>
    [Range(1, 3600)]
    public int TurnTimeoutSeconds { get; set; } = 120;

    /// <summary>Livestreamed text is pushed at most this often (milliseconds).</summary>
    [Range(0, 5000)]
    public int StreamIntervalMilliseconds { get; set; } = 50;

    /// <summary>
    /// On shutdown, turns already running get this long to finish (their answers are stored and delivered); after it
    /// they are cancelled and their messages answered after the restart. Messages arriving meanwhile wait for the restart.
    /// </summary>
    [Range(0, 3600)]
    public int ShutdownDrainSeconds { get; set; } = 10;
}
