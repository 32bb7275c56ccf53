using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Store;

namespace ChatAgent.Conversations.Service;

/// <summary>
/// Sees every activity a customer's client sends, before it is stored. Features that act on customer events (the
/// agent console's ratings) plug in here, so every channel gets them without knowing about them.
/// </summary>
public interface IInboundActivityHandler
{
    /// <summary>
    /// Called before <paramref name="activity"/> is stored. Throw <see cref="ActivityRejectedException"/> to refuse it:
    /// nothing is stored and the channel answers the client with the status, code and message.
    /// </summary>
    Task OnReceivingAsync(ConversationRecord conversation, Activity activity, CancellationToken cancellationToken);
}

/// <summary>An inbound activity refused by an <see cref="IInboundActivityHandler"/>: the client gets this status, code and message.</summary>
public sealed class ActivityRejectedException(int status, string code, string message) : Exception(message)
{
    /// <summary>HTTP status for the client (400 for bad values, 409 for a state that does not allow it).</summary>
    public int Status { get; } = status;

    /// <summary>A stable Direct Line style error code (<c>BadArgument</c>, <c>Conflict</c>...).</summary>
    public string Code { get; } = code;
}
