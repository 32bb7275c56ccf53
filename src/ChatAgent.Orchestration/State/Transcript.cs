using System.Text.Json;
using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Service;
using ChatAgent.Conversations.Store;

namespace ChatAgent.Orchestration.State;

/// <summary>Names of the <c>event</c> activities the orchestrator writes into the transcript.</summary>
public static class TranscriptEvents
{
    /// <summary>One tool call: <c>value</c> = {name, arguments, result, error}.</summary>
    public const string Tool = "tool";

    /// <summary>The hand-over to a human: <c>value</c> = {reason, summary, customer_id, order_ids, tried}.</summary>
    public const string Handoff = "handoff";

    /// <summary>The key in a bot message's <c>channelData</c> holding the orchestrator's state for that answer.</summary>
    public const string StateKey = "chatagent";
}

/// <summary>A tool call as recorded in the transcript.</summary>
public sealed record ToolCallRecord(string Name, string? Plugin, string Function, JsonObject Arguments, string Result, bool IsError);

/// <summary>The hand-over as recorded in the transcript (reason and agent-facing summary survive restarts with it).</summary>
public sealed record HandoffRecord(string Reason, string Summary, string? CustomerId, IReadOnlyList<string> OrderIds, DateTimeOffset? At);

/// <summary>
/// The conversation as the orchestrator remembers it: everything is derived from the stored transcript (messages,
/// tool events, handoff events, and the state each bot answer carries in <c>channelData.chatagent</c>), so a restart
/// forgets nothing and no second store is needed.
/// </summary>
public sealed class Transcript(IReadOnlyList<StoredActivity> activities)
{
    public IReadOnlyList<StoredActivity> Activities { get; } = activities;

    public IEnumerable<Activity> Messages => Activities.Select(a => a.Activity).Where(a => a.Type == ActivityTypes.Message);

    public IEnumerable<ToolCallRecord> ToolCalls => Activities
        .Select(a => a.Activity)
        .Where(a => IsBotEvent(a, TranscriptEvents.Tool))
        .Select(a => ParseTool((JsonObject)a.Value!));

    /// <summary>An event the bot itself recorded: one with the same name from a customer's client is never its own.</summary>
    private static bool IsBotEvent(Activity a, string name) =>
        a.Type == ActivityTypes.Event && a.Name == name && a.Value is JsonObject && a.From?.Role != RoleTypes.User;

    /// <summary>The orchestrator state of the latest bot answer (<c>channelData.chatagent</c>), if any.</summary>
    public JsonObject? LastBotState => Messages.LastOrDefault(m => m.From?.Role == RoleTypes.Bot)?.ChannelData?[TranscriptEvents.StateKey] as JsonObject;

    /// <summary>How many of the latest bot answers in a row failed (did not understand, or could not do, the request).</summary>
    public int FailureStreak(string? intent = null)
    {
        var streak = 0;
        foreach (var bot in Messages.Where(m => m.From?.Role == RoleTypes.Bot).Reverse())
        {
            var state = bot.ChannelData?[TranscriptEvents.StateKey] as JsonObject;
            var failed = state?["outcome"]?.GetValue<string>() == "failed";
            var sameIntent = intent is null || state?["intent"]?.GetValue<string>() == intent;
            if (!failed || !sameIntent)
            {
                break;
            }
            streak++;
        }
        return streak;
    }

    /// <summary>Tool errors since the last customer message that had no tool error-free answer, over the latest <paramref name="turns"/> turns.</summary>
    public int RecentToolErrors(int turns)
    {
        var userSeen = 0;
        var errors = 0;
        foreach (var a in Activities.Select(s => s.Activity).Reverse())
        {
            if (a.Type == ActivityTypes.Message && a.From?.Role == RoleTypes.User && ++userSeen > turns)
            {
                break;
            }
            if (IsBotEvent(a, TranscriptEvents.Tool) && a.Value is JsonObject o && ParseTool(o) is { IsError: true } call && IsToolError(call.Result))
            {
                errors++;
            }
        }
        return errors;
    }

    /// <summary>The latest hand-over, or null.</summary>
    public HandoffRecord? LatestHandoff
    {
        get
        {
            var e = Activities.Select(a => a.Activity).LastOrDefault(a => IsBotEvent(a, TranscriptEvents.Handoff));
            if (e?.Value is not JsonObject v)
            {
                return null;
            }
            return new HandoffRecord(
                v["reason"]?.GetValue<string>() ?? "",
                v["summary"]?.GetValue<string>() ?? "",
                v["customer_id"]?.GetValue<string>(),
                (v["order_ids"] as JsonArray)?.Select(n => n?.GetValue<string>()).OfType<string>().ToList() ?? [],
                e.Timestamp);
        }
    }

    /// <summary>
    /// True when a tool result is an error of the shop's systems or a refusal. A failed verification (wrong email, name
    /// or zip: <c>"verified": false</c>) is the customer's answer being wrong, not a system error: the shop's own
    /// <c>Shop:MaxVerificationAttempts</c> decides when that goes to a person.
    /// </summary>
    public static bool IsToolError(string result)
    {
        if (!Shop.Plugins.ToolResult.IsRefusal(result))
        {
            return false;
        }
        try
        {
            return JsonNode.Parse(result) is not JsonObject o || o["verified"] is not JsonValue v || !v.TryGetValue<bool>(out var verified) || verified;
        }
        catch (JsonException)
        {
            return true;
        }
    }

    internal static ToolCallRecord ParseTool(JsonObject o) => new(
        o["name"]?.GetValue<string>() ?? "",
        o["plugin"]?.GetValue<string>(),
        o["function"]?.GetValue<string>() ?? o["name"]?.GetValue<string>() ?? "",
        o["arguments"] as JsonObject ?? [],
        o["result"]?.GetValue<string>() ?? "",
        o["error"]?.GetValue<bool>() ?? false);

    internal static JsonObject ToolValue(string? plugin, string function, IEnumerable<KeyValuePair<string, object?>> arguments, string result, bool isError)
    {
        var args = new JsonObject();
        foreach (var (key, value) in arguments)
        {
            args[key] = value switch
            {
                null => null,
                JsonElement e => JsonNode.Parse(e.GetRawText()),
                string s => s,
                _ => JsonSerializer.SerializeToNode(value),
            };
        }
        var name = string.IsNullOrEmpty(plugin) ? function : $"{plugin}_{function}";
        return new JsonObject { ["name"] = name, ["plugin"] = plugin, ["function"] = function, ["arguments"] = args, ["result"] = result, ["error"] = isError };
    }
}

/// <summary>
/// Reads the recent window of a conversation's transcript from the conversation store: the latest
/// <see cref="WindowActivities"/> activities, not the whole transcript, so a turn costs the same in a long conversation
/// as in a short one. Everything a turn derives (the last bot state, failure streaks, recent tool errors, the model's
/// history, which the token budget trims further) lies in that window.
/// </summary>
public sealed class TranscriptReader(ConversationStore store)
{
    /// <summary>How many of the latest activities a turn reads.</summary>
    public const int WindowActivities = 100;

    /// <summary>The recent window, this turn's own activities included.</summary>
    public async Task<Transcript> ReadAsync(string conversationId, CancellationToken cancellationToken) =>
        new(await store.GetRecentActivitiesAsync(conversationId, WindowActivities, cancellationToken));

    /// <summary>
    /// The recent window as it was when <paramref name="turn"/> started: what the turn itself recorded before an
    /// interruption (<see cref="ITurnContext.Recorded"/>) is left out, so a resumed turn sees the history its first run saw.
    /// </summary>
    public async Task<Transcript> ReadAsync(ITurnContext turn, CancellationToken cancellationToken)
    {
        var window = await store.GetRecentActivitiesAsync(turn.Conversation.Id, WindowActivities, cancellationToken);
        if (turn.Recorded.Count == 0)
        {
            return new Transcript(window);
        }
        var own = turn.Recorded.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        return new Transcript(window.Where(a => !own.Contains(a.Activity.Id)).ToList());
    }
}
