using Stopwatch = System.Diagnostics.Stopwatch;
using System.Text;
using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Store;

namespace ChatAgent.Conversations.Service;

internal sealed class TurnContext(ConversationService conversations, ConversationRecord conversation, Activity activity, ConversationOptions options) : ITurnContext
{
    public Activity Activity { get; } = activity;
    public ConversationRecord Conversation { get; } = conversation;

    public Task<Activity> SendAsync(Activity reply, CancellationToken cancellationToken)
    {
        reply.ReplyToId ??= Activity.Id;
        reply.Recipient ??= Activity.From;
        return conversations.SendAsync(Conversation, reply, cancellationToken);
    }

    public IReplyStream BeginStream() => new ReplyStream(this, TimeSpan.FromMilliseconds(options.StreamIntervalMilliseconds));

    /// <summary>
    /// Bot Framework livestreaming: typing activities carrying the whole text so far, tagged with the id of the
    /// first chunk (the stream id) and a rising sequence number, closed by a final message.
    /// </summary>
    private sealed class ReplyStream(TurnContext turn, TimeSpan interval) : IReplyStream
    {
        private readonly StringBuilder _text = new();
        private readonly Stopwatch _sinceLastChunk = new();
        private string? _streamId;
        private int _sequence;

        public string Text => _text.ToString();

        public Task InformAsync(string text, CancellationToken cancellationToken)
        {
            Publish("informative", text);
            return Task.CompletedTask;
        }

        public Task AppendAsync(string text, CancellationToken cancellationToken)
        {
            _text.Append(text);
            if (_streamId is null || _sinceLastChunk.Elapsed >= interval)
            {
                Publish("streaming", _text.ToString());
            }
            return Task.CompletedTask;
        }

        public Task<Activity> CompleteAsync(Activity? final, CancellationToken cancellationToken)
        {
            final ??= new Activity();
            final.Type ??= ActivityTypes.Message;
            final.Text ??= _text.ToString();
            final.TextFormat ??= "markdown";
            if (_streamId is not null)
            {
                var channelData = final.ChannelData as JsonObject ?? [];
                channelData["streamType"] = "final";
                channelData["streamId"] = _streamId;
                final.ChannelData = channelData;
                (final.Entities ??= []).Add(new JsonObject { ["type"] = "streaminfo", ["streamId"] = _streamId, ["streamType"] = "final" });
            }
            return turn.SendAsync(final, cancellationToken);
        }

        private void Publish(string streamType, string text)
        {
            _sequence++;
            var chunk = new Activity
            {
                Type = ActivityTypes.Typing,
                Id = $"{turn.Conversation.Id}|s{Guid.NewGuid():N}",
                Text = text,
                ReplyToId = turn.Activity.Id,
                Recipient = turn.Activity.From,
                ChannelData = new JsonObject { ["streamType"] = streamType, ["streamSequence"] = _sequence },
                Entities = [new JsonObject { ["type"] = "streaminfo", ["streamType"] = streamType, ["streamSequence"] = _sequence }],
            };
            if (_streamId is null)
            {
                _streamId = chunk.Id;
            }
            else
            {
                chunk.ChannelData["streamId"] = _streamId;
                chunk.Entities[0]["streamId"] = _streamId;
            }
            turn.PublishTransient(chunk);
            _sinceLastChunk.Restart();
            if (streamType == "streaming")
            {
                }
        }
    }

    private void PublishTransient(Activity chunk) => conversations.PublishTransient(Conversation, chunk);
}
