using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Store;

namespace ChatAgent.Conversations.Service;

/// <summary>
/// Answers customer messages. The conversation service calls it once per customer message, in order within a
/// conversation, and in parallel across conversations.
/// </summary>
public interface IBot
{
    Task OnTurnAsync(ITurnContext turn, CancellationToken cancellationToken);
}

/// <summary>One customer message and the ways to answer it.</summary>
public interface ITurnContext
{
    /// <summary>The customer's message, as stored (with its server id and timestamp).</summary>
    Activity Activity { get; }

    /// <summary>The conversation as it was when the turn started.</summary>
    ConversationRecord Conversation { get; }

    /// <summary>Stores a reply and delivers it to every client of the conversation. Missing fields are filled in (from the bot, reply-to, channel).</summary>
    Task<Activity> SendAsync(Activity reply, CancellationToken cancellationToken);

    /// <summary>Starts a livestreamed reply (typing chunks that grow, then one stored final message).</summary>
    IReplyStream BeginStream();

    /// <summary>
    /// What this turn already stored before it was interrupted (a crash or a kill between its first reply and its
    /// completion), oldest first; empty for a fresh turn. A resumed turn runs the bot again, and each
    /// <see cref="SendAsync"/> whose activity matches the next recorded one of the same kind (type, event name, and
    /// <c>value.name</c> for events) returns that stored activity instead of storing and delivering it a second time, so
    /// the customer never sees a reply twice. A bot reading the conversation's history for this turn should leave
    /// these out: they are this turn's own output, not what came before it.
    /// </summary>
    IReadOnlyList<Activity> Recorded => [];
}

/// <summary>A reply that is shown while it is being written (Bot Framework "livestreaming").</summary>
public interface IReplyStream
{
    /// <summary>A status line shown while the bot works ("Looking up order #W123…"); not stored.</summary>
    Task InformAsync(string text, CancellationToken cancellationToken);

    /// <summary>Adds text to the reply; clients see the whole text so far (sent at most every few tens of milliseconds).</summary>
    Task AppendAsync(string text, CancellationToken cancellationToken);

    /// <summary>The text so far.</summary>
    string Text { get; }

    /// <summary>Stores and delivers the final message (its text replaces the streamed text when given).</summary>
    Task<Activity> CompleteAsync(Activity? final, CancellationToken cancellationToken);
}
