using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ChatAgent.Conversations.Service;

/// <summary>
/// The first <see cref="IInboundActivityHandler"/>: what any customer's client may store, the same for SQLite and
/// PostgreSQL, refused with a 400 (never a database error) otherwise.
/// <list type="bullet">
/// <item>No NUL character or broken UTF-16 anywhere in the activity (PostgreSQL refuses them, SQLite would keep them).</item>
/// <item><c>type</c> is a short name (letters, digits, <c>/._-</c>, at most 64); <c>from.id</c> and <c>from.name</c> at most 256 characters.</item>
/// <item>An <c>event</c> must be named in <c>Conversations:ClientEventNames</c> (on <c>StrictEventChannels</c>; elsewhere
/// any name but the bot's own): the bot's records (<c>tool</c>, <c>handoff</c>, …) can never come from a client.
/// Internal <c>channelData</c> keys (the bot's flow state) are removed.</item>
/// <item>The customer's share of the transcript stays within <c>Conversations:MaxTranscriptBytes</c> (413 TranscriptFull).</item>
/// </list>
/// </summary>
public sealed partial class InboundActivityPolicy(
    IOptions<ConversationOptions> options,
    IOptions<CustomerViewOptions> view,
    IDbContextFactory<ConversationDbContext> contexts) : IInboundActivityHandler
{
    /// <summary>The longest <c>from.id</c> / <c>from.name</c> kept (the store's column size).</summary>
    public const int MaxAccountLength = 256;

    private const int MaxTrackedConversations = 100_000;
    private readonly ConcurrentDictionary<string, long> _customerBytes = new(StringComparer.Ordinal);

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9/._-]{0,63}$")]
    private static partial Regex TypePattern();

    public async Task OnReceivingAsync(ConversationRecord conversation, Activity activity, CancellationToken cancellationToken)
    {
        if (activity.Type is null || !TypePattern().IsMatch(activity.Type))
        {
            throw Bad("'type' must be an activity type such as 'message' or 'event' (letters, digits, '/', '.', '_', '-'; at most 64).");
        }
        if (activity.From?.Id is { Length: > MaxAccountLength } || activity.From?.Name is { Length: > MaxAccountLength })
        {
            throw Bad($"'from.id' and 'from.name' are at most {MaxAccountLength} characters.");
        }
        if (activity.Type == ActivityTypes.Event && !IsAllowedEvent(conversation.ChannelId, activity.Name))
        {
            throw new ActivityRejectedException(400, "EventNotAllowed",
                $"Clients may send only these events: {string.Join(", ", options.Value.ClientEventNames)} (Conversations:ClientEventNames).");
        }
        if (activity.ChannelData is JsonObject data)
        {
            foreach (var key in view.Value.InternalChannelDataKeys)
            {
                data.Remove(key);
            }
        }

        var json = JsonSerializer.SerializeToNode(activity, ActivityJson.Options);
        if (FindBadText(json) is { } where)
        {
            throw Bad($"The activity has a NUL character or broken Unicode text ({where}); remove it and send again.");
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes(json, ActivityJson.Options).LongLength;
        var budget = options.Value.MaxTranscriptBytes;
        var used = _customerBytes.TryGetValue(conversation.Id, out var known) ? known : await CustomerBytesAsync(conversation.Id, cancellationToken);
        if (used + bytes > budget)
        {
            throw new ActivityRejectedException(413, "TranscriptFull",
                $"This conversation has reached its size limit ({budget} bytes, Conversations:MaxTranscriptBytes); start a new conversation to continue.");
        }
        if (_customerBytes.Count >= MaxTrackedConversations)
        {
            _customerBytes.Clear();
        }
        _customerBytes[conversation.Id] = used + bytes;
    }

    /// <summary>An allowed client event; on channels not in <c>StrictEventChannels</c>, any name the bot does not use itself.</summary>
    private bool IsAllowedEvent(string channelId, string? name)
    {
        var o = options.Value;
        if (name is not null && o.ClientEventNames.Contains(name, StringComparer.Ordinal))
        {
            return true;
        }
        if (o.StrictEventChannels.Contains(channelId, StringComparer.OrdinalIgnoreCase))
        {
            return false;
        }
        return name is null || !(view.Value.InternalEventNames.Contains(name)
            || name.StartsWith("handoff", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("chatagent.", StringComparison.OrdinalIgnoreCase)
            || name.Equals("tool", StringComparison.OrdinalIgnoreCase));
    }

    private async Task<long> CustomerBytesAsync(string conversationId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Activities.Where(a => a.ConversationId == conversationId && a.FromRole == RoleTypes.User).SumAsync(a => (long)a.Json.Length, ct);
    }

    /// <summary>The path of the first string or property name with a NUL or an unpaired surrogate, or null.</summary>
    private static string? FindBadText(JsonNode? node, string path = "$")
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    if (IsBad(key))
                    {
                        return path;
                    }
                    if (FindBadText(value, $"{path}.{key}") is { } found)
                    {
                        return found;
                    }
                }
                return null;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    if (FindBadText(a[i], $"{path}[{i}]") is { } found)
                    {
                        return found;
                    }
                }
                return null;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                return IsBad(v.GetValue<string>()) ? path : null;
            default:
                return null;
        }
    }

    /// <summary>Whether a text cannot be stored the same way everywhere: a NUL, or UTF-16 that is not valid Unicode.</summary>
    public static bool IsBad(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
            {
                return true;
            }
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return true;
                }
                i++;
            }
            else if (char.IsLowSurrogate(c))
            {
                return true;
            }
        }
        return false;
    }

    private static ActivityRejectedException Bad(string message) => new(400, "BadArgument", message);
}
