using System.Collections.Concurrent;
using System.Threading.Channels;
using ChatAgent.Conversations.Activities;

namespace ChatAgent.Conversations.Service;

/// <summary>
/// An activity on its way to live clients. <see cref="Sequence"/> is null for transient activities
/// (typing, livestreaming chunks) that are pushed but not stored.
/// </summary>
public sealed record FeedItem(long? Sequence, Activity Activity);

/// <summary>
/// In-process fan-out of a conversation's activities to its live subscribers (WebSocket streams).
/// Subscribers that fall too far behind lose transient items only: stored activities are re-read from the store
/// by sequence, so a slow or cross-host client never misses one.
/// </summary>
public sealed class ConversationFeed
{
    private readonly ConcurrentDictionary<string, ImmutableSubscribers> _subscribers = new();

    public FeedSubscription Subscribe(string conversationId)
    {
        var subscription = new FeedSubscription(this, conversationId);
        _subscribers.AddOrUpdate(conversationId, _ => new([subscription]), (_, list) => new([.. list.Items, subscription]));
        return subscription;
    }

    public void Publish(string conversationId, FeedItem item)
    {
        if (_subscribers.TryGetValue(conversationId, out var list))
        {
            foreach (var subscriber in list.Items)
            {
                subscriber.Writer.TryWrite(item);
            }
        }
    }

    /// <summary>Live subscribers of a conversation (for tests and diagnostics).</summary>
    public int SubscriberCount(string conversationId) => _subscribers.TryGetValue(conversationId, out var list) ? list.Items.Length : 0;

    internal void Unsubscribe(FeedSubscription subscription)
    {
        while (_subscribers.TryGetValue(subscription.ConversationId, out var list))
        {
            var remaining = list.Items.Where(s => s != subscription).ToArray();
            var done = remaining.Length == 0
                ? _subscribers.TryRemove(new KeyValuePair<string, ImmutableSubscribers>(subscription.ConversationId, list))
                : _subscribers.TryUpdate(subscription.ConversationId, new(remaining), list);
            if (done)
            {
                return;
            }
        }
    }

    private sealed record ImmutableSubscribers(FeedSubscription[] Items);
}

/// <summary>One live client's view of a conversation's feed; dispose to leave.</summary>
public sealed class FeedSubscription : IDisposable
{
    private readonly ConversationFeed _feed;
    private readonly Channel<FeedItem> _channel = Channel.CreateBounded<FeedItem>(new BoundedChannelOptions(1024)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
    });

    internal FeedSubscription(ConversationFeed feed, string conversationId)
    {
        _feed = feed;
        ConversationId = conversationId;
    }

    public string ConversationId { get; }
    public ChannelReader<FeedItem> Reader => _channel.Reader;
    internal ChannelWriter<FeedItem> Writer => _channel.Writer;

    public void Dispose()
    {
        _feed.Unsubscribe(this);
        _channel.Writer.TryComplete();
    }
}
