using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Service;
using ChatAgent.Conversations.Store;

namespace ChatAgent.Host.Channels.BotFramework;

/// <summary>
/// Delivers the bot's and agents' activities to Bot Framework channels: posted to
/// <c>{serviceUrl}/v3/conversations/{id}/activities[/{replyToId}]</c>, or collected for an <c>expectReplies</c>
/// request that is waiting for them. Livestreaming chunks never get here (they are transient), so these channels
/// get the final message only.
/// </summary>
public sealed class BotFrameworkConnector(IHttpClientFactory httpClients, ConversationStore store, CustomerView view, ILogger<BotFrameworkConnector> logger) : IOutboundChannel
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Activity>> _expecting = new();

    public string ChannelId => IOutboundChannel.AnyServiceUrl;

    /// <summary>Starts collecting the replies to an <c>expectReplies</c> activity instead of posting them.</summary>
    public ExpectedReplies ExpectReplies()
    {
        var id = Guid.NewGuid().ToString("N");
        var replies = new ConcurrentQueue<Activity>();
        _expecting[id] = replies;
        return new ExpectedReplies(id, replies, () => _expecting.TryRemove(id, out _));
    }

    /// <summary>
    /// What a channel is shown. Everything else the bot stores — above all the orchestrator's <c>event</c> records of
    /// tool calls and hand-overs, which hold order details — stays in the shop's transcript and never leaves the machine.
    /// </summary>
    private static readonly HashSet<string> DeliveredTypes = new(StringComparer.Ordinal) { ActivityTypes.Message, ActivityTypes.Typing, ActivityTypes.EndOfConversation };

    public async Task DeliverAsync(ConversationRecord conversation, Activity activity, CancellationToken cancellationToken)
    {
        if (activity.Type is null || !DeliveredTypes.Contains(activity.Type) || view.Present(activity) is not { } visible)
        {
            return;
        }
        // The caller's record may be as old as the turn; channels move conversations to another serviceUrl meanwhile,
        // and the newest one an authenticated activity brought is where the channel now listens.
        var current = await store.FindConversationAsync(conversation.Id, cancellationToken) ?? conversation;
        var (source, reference) = await FindReferenceAsync(current, activity.ReplyToId, cancellationToken);
        if (reference is null)
        {
            logger.LogWarning("Conversation {ConversationId} has no Bot Framework reference; activity {ActivityId} is stored but not delivered", conversation.Id, activity.Id);
            return;
        }
        reference = reference with { ServiceUrl = current.ServiceUrl ?? reference.ServiceUrl };

        var wire = visible == activity ? activity.Clone() : visible;
        wire.Properties?.Remove(BotFrameworkReference.PropertyName);
        wire.ChannelId = conversation.ChannelId;
        wire.ServiceUrl = reference.ServiceUrl;
        wire.Conversation = source!.Conversation ?? new ConversationAccount();
        wire.Conversation.Id = reference.ConversationId;
        // The bot's account as the channel knows it (e.g. 28:<app id> on Teams) is the recipient of what it was sent.
        wire.From = source.Recipient is { } bot ? new ChannelAccount { Id = bot.Id, Name = bot.Name ?? activity.From?.Name, Role = RoleTypes.Bot } : activity.From;
        wire.Recipient ??= source.From;
        var replyTo = activity.ReplyToId is not null && source.Id == activity.ReplyToId ? reference.ActivityId : null;
        wire.ReplyToId = replyTo;

        if (reference.ExpectRepliesId is not null && replyTo is not null && _expecting.TryGetValue(reference.ExpectRepliesId, out var waiting))
        {
            waiting.Enqueue(wire);
            return;
        }

        var path = $"v3/conversations/{Uri.EscapeDataString(reference.ConversationId)}/activities"
            + (replyTo is null ? string.Empty : "/" + Uri.EscapeDataString(replyTo));
        var url = new Uri(new Uri(reference.ServiceUrl.EndsWith('/') ? reference.ServiceUrl : reference.ServiceUrl + "/"), path);
        // One serialised body, sent unchanged on every retry: the same activity id each time lets a channel that
        // saw an earlier attempt recognise the repeat.
        var body = Encoding.UTF8.GetBytes(ActivityJson.Serialize(wire));
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url)
            {
                Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" } } },
            };
            using var response = await httpClients.CreateClient(BotFrameworkExtensions.ConnectorClient).SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                logger.LogError("The channel at {ServiceUrl} refused activity {ActivityId} of conversation {ConversationId} with {Status}",
                    reference.ServiceUrl, activity.Id, conversation.Id, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // The activity is in the transcript; failing the turn would only make the bot answer twice.
            logger.LogError(ex, "Could not deliver activity {ActivityId} of conversation {ConversationId} to {ServiceUrl}", activity.Id, conversation.Id, reference.ServiceUrl);
        }
    }

    /// <summary>The stored activity being replied to (or, for a proactive message, the channel's newest one) and its reference.</summary>
    private async Task<(Activity? Source, BotFrameworkReference? Reference)> FindReferenceAsync(ConversationRecord conversation, string? replyToId, CancellationToken ct)
    {
        var prefix = conversation.Id + "|";
        if (replyToId is not null && replyToId.StartsWith(prefix, StringComparison.Ordinal)
            && long.TryParse(replyToId.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) && sequence > 0)
        {
            var replied = await store.GetActivitiesAsync(conversation.Id, sequence - 1, 1, ct);
            if (replied.Count == 1 && BotFrameworkReference.Read(replied[0].Activity) is { } reference)
            {
                return (replied[0].Activity, reference);
            }
        }
        // Newest first: the channel's latest activity carries its current view of the conversation and the accounts.
        const int page = 50;
        for (var end = conversation.LastSequence; end > 0; end -= page)
        {
            var after = Math.Max(0, end - page);
            var batch = await store.GetActivitiesAsync(conversation.Id, after, (int)(end - after), ct);
            for (var i = batch.Count - 1; i >= 0; i--)
            {
                if (BotFrameworkReference.Read(batch[i].Activity) is { } reference)
                {
                    return (batch[i].Activity, reference with { ExpectRepliesId = null });
                }
            }
        }
        return (null, null);
    }
}

/// <summary>The replies collected for one <c>expectReplies</c> request; disposing stops collecting.</summary>
public sealed class ExpectedReplies(string id, ConcurrentQueue<Activity> replies, Action stop) : IDisposable
{
    public string Id { get; } = id;
    public IReadOnlyList<Activity> Replies => [.. replies];
    public void Dispose() => stop();
}
