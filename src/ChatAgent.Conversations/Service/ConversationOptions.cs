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

    /// <summary>
    /// The most bytes (activity JSON, uploads included as data URLs) a customer may add to one conversation; beyond it
    /// the client gets 413 <c>TranscriptFull</c> and should start a new conversation.
    /// </summary>
    [Range(1024, long.MaxValue)]
    public long MaxTranscriptBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// The only <c>event</c> names a customer's client may send (the widget's rating, Web Chat's join/exit). Any other
    /// event — above all the bot's own <c>tool</c> and <c>handoff</c> records — is refused with 400 EventNotAllowed.
    /// </summary>
    public string[] ClientEventNames { get; set; } = ["chatagent.rating", "webchat/join", "webchat/exit"];

    /// <summary>
    /// Channels held to <see cref="ClientEventNames"/> alone (our own Direct Line). Other channels (Teams, Slack… over
    /// Bot Framework) send their own events, which are kept as the customer's data; the bot's internal names
    /// (<c>tool</c>, <c>handoff*</c>, <c>chatagent.*</c>) are refused on every channel.
    /// </summary>
    public string[] StrictEventChannels { get; set; } = ["directline"];
}
