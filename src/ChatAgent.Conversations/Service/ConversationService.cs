using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Store;
using Microsoft.Extensions.Options;

namespace ChatAgent.Conversations.Service;

/// <summary>
/// Delivers outgoing activities to a channel that is not a live Direct Line client (e.g. a Bot Framework
/// channel's serviceUrl). Direct Line clients read the feed and the store, so they need none.
/// </summary>
public interface IOutboundChannel
{
    /// <summary>
    /// The channel id this delivers for, or <see cref="AnyServiceUrl"/> to deliver for every conversation that has a
    /// <see cref="ConversationRecord.ServiceUrl"/> and no channel registered under its own id (Bot Framework
    /// channels: Teams, Slack, the Emulator… all reply the same way).
    /// </summary>
    string ChannelId { get; }

    /// <summary>The wildcard <see cref="ChannelId"/>.</summary>
    const string AnyServiceUrl = "*";

    Task DeliverAsync(ConversationRecord conversation, Activity activity, CancellationToken cancellationToken);
}

/// <summary>
/// The one entry for activities from any channel: stores each inbound activity before it is acknowledged,
/// decides who handles it, and fans every stored or transient activity out to live clients.
/// </summary>
public sealed class ConversationService(
    ConversationStore store,
    ConversationFeed feed,
    TurnScheduler turns,
    IEnumerable<IOutboundChannel> outboundChannels,
    IOptions<ConversationOptions> options,
    IEnumerable<IInboundActivityHandler>? inboundHandlers = null)
{
    private readonly IInboundActivityHandler[] _inbound = inboundHandlers?.ToArray() ?? [];
    private readonly Dictionary<string, IOutboundChannel> _outbound = outboundChannels.ToDictionary(c => c.ChannelId, StringComparer.OrdinalIgnoreCase);

    public ChannelAccount Bot => new() { Id = options.Value.BotId, Name = options.Value.BotName, Role = RoleTypes.Bot };

    public Task<ConversationRecord> StartAsync(string conversationId, string channelId, string? userId, string? serviceUrl, CancellationToken ct) =>
        store.EnsureConversationAsync(conversationId, channelId, userId, serviceUrl, ct);

    public Task<ConversationRecord?> FindAsync(string conversationId, CancellationToken ct) => store.FindConversationAsync(conversationId, ct);

    /// <summary>
    /// Accepts an activity from a customer's client. When this returns, the activity is committed to the store
    /// (its <c>Id</c> set); a customer message is then answered by the bot unless a person has the conversation.
    /// </summary>
    public async Task<Activity> ReceiveAsync(ConversationRecord conversation, Activity inbound, CancellationToken ct)
    {
        inbound.ChannelId = conversation.ChannelId;
        inbound.Recipient ??= Bot;
        inbound.From ??= new ChannelAccount();
        inbound.From.Role ??= RoleTypes.User;
        // The record was read by the channel for this request; a hand-over racing with it is caught by the
        // scheduler, which re-reads the status before the bot answers.
        var isCustomerMessage = inbound.Type == ActivityTypes.Message && inbound.From.Role == RoleTypes.User;
        var botAnswers = isCustomerMessage && conversation.Status == ConversationStatus.Active;
        foreach (var handler in _inbound)
        {
            await handler.OnReceivingAsync(conversation, inbound, ct);
        }

        var stored = await store.AppendAsync(conversation.Id, inbound, pendingTurn: botAnswers, ct);
        feed.Publish(conversation.Id, new FeedItem(stored.Sequence, stored.Activity));
        if (botAnswers)
        {
            turns.Schedule(conversation.Id);
        }
        return stored.Activity;
    }

    /// <summary>Stores an activity from the bot or an agent and delivers it to the conversation's clients.</summary>
    public async Task<Activity> SendAsync(ConversationRecord conversation, Activity outbound, CancellationToken ct)
    {
        outbound.Type ??= ActivityTypes.Message;
        outbound.From ??= Bot;
        outbound.ChannelId = conversation.ChannelId;
        var stored = await store.AppendAsync(conversation.Id, outbound, pendingTurn: false, ct);
        feed.Publish(conversation.Id, new FeedItem(stored.Sequence, stored.Activity));
        if (_outbound.TryGetValue(conversation.ChannelId, out var channel)
            || (conversation.ServiceUrl is not null && _outbound.TryGetValue(IOutboundChannel.AnyServiceUrl, out channel)))
        {
            await channel.DeliverAsync(conversation, stored.Activity, ct);
        }
        return stored.Activity;
    }

    /// <summary>Pushes an activity that is not kept (typing, livestreaming chunks) to live clients.</summary>
    public void PublishTransient(ConversationRecord conversation, Activity activity)
    {
        activity.Id ??= $"{conversation.Id}|t{Guid.NewGuid():N}";
        activity.Timestamp ??= DateTimeOffset.UtcNow;
        activity.ChannelId = conversation.ChannelId;
        activity.Conversation ??= new ConversationAccount { Id = conversation.Id };
        activity.From ??= Bot;
        feed.Publish(conversation.Id, new FeedItem(null, activity));
    }
}
