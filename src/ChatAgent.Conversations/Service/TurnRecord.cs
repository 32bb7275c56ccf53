using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;

namespace ChatAgent.Conversations.Service;

/// <summary>
/// A turn's record is the transcript itself: every activity the bot stores while answering a customer message carries
/// that message's id in <c>replyToId</c>, and is committed before the turn goes on. A turn interrupted before its
/// completion (the message's pending flag cleared) is run again with what it had recorded (<see cref="ITurnContext.Recorded"/>);
/// replaying a send of the same kind returns the stored activity instead of a second one.
/// </summary>
public static class TurnRecord
{
    /// <summary>True when <paramref name="recorded"/> can stand for <paramref name="send"/> in a replayed turn: same type, same event name, same <c>value.name</c>.</summary>
    public static bool SameKind(Activity recorded, Activity send) =>
        string.Equals(recorded.Type, send.Type ?? ActivityTypes.Message, StringComparison.Ordinal)
        && string.Equals(recorded.Name, send.Name, StringComparison.Ordinal)
        && string.Equals(ValueName(recorded), ValueName(send), StringComparison.Ordinal);

    private static string? ValueName(Activity activity) =>
        activity.Value is JsonObject value && value["name"] is JsonValue name && name.TryGetValue<string>(out var text) ? text : null;
}
