using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using Microsoft.Extensions.Options;

namespace ChatAgent.Conversations.Service;

/// <summary>
/// What of the transcript is the bot's own bookkeeping, never sent to a customer's channel: event activities by name
/// (tool calls with their results, handoff summaries for agents) and keys of <c>channelData</c> (the bot's flow state).
/// Bots register theirs with <c>services.Configure&lt;CustomerViewOptions&gt;(...)</c>.
/// </summary>
public sealed class CustomerViewOptions
{
    /// <summary>Names of event activities kept in the transcript for agents and the bot only.</summary>
    public HashSet<string> InternalEventNames { get; } = new(StringComparer.Ordinal);

    /// <summary><c>channelData</c> properties removed from activities before a customer's channel gets them.</summary>
    public HashSet<string> InternalChannelDataKeys { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The one place that decides what a customer's channel (Direct Line, Bot Framework channels) receives of a stored
/// activity. The stored transcript keeps everything; watermarks still count hidden activities.
/// </summary>
public sealed class CustomerView(IOptions<CustomerViewOptions> options)
{
    private readonly CustomerViewOptions _options = options.Value;

    /// <summary>The activity as the customer's channel may see it, or null when it is internal.</summary>
    public Activity? Present(Activity activity)
    {
        if (activity.Type == ActivityTypes.Event && activity.Name is { } name && _options.InternalEventNames.Contains(name))
        {
            return null;
        }
        if (activity.ChannelData is JsonObject data && _options.InternalChannelDataKeys.Any(data.ContainsKey))
        {
            // Stored and live activities may be shared with other readers: change a copy.
            var copy = activity.Clone();
            var trimmed = (JsonObject)copy.ChannelData!;
            foreach (var key in _options.InternalChannelDataKeys)
            {
                trimmed.Remove(key);
            }
            if (trimmed.Count == 0)
            {
                copy.ChannelData = null;
            }
            return copy;
        }
        return activity;
    }

    /// <summary>The visible activities of a list, in order.</summary>
    public List<Activity> Present(IEnumerable<Activity> activities) => [.. activities.Select(Present).OfType<Activity>()];
}
