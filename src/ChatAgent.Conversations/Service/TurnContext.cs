using Stopwatch = System.Diagnostics.Stopwatch;
using System.Text;
using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Store;

namespace ChatAgent.Conversations.Service;

internal sealed class TurnContext(ConversationService conversations, ConversationRecord conversation, Activity activity, ConversationOptions options, IReadOnlyList<Activity>? recorded = null) : ITurnContext
{
    private readonly Lock _replay = new();
    private int _replayed;

    public Activity Activity { get; } = activity;
    public ConversationRecord Conversation { get; } = conversation;
    public IReadOnlyList<Activity> Recorded { get; } = recorded ?? [];

    public Task<Activity> SendAsync(Activity reply, CancellationToken cancellationToken)
    {
        reply.ReplyToId ??= Activity.Id;
        reply.Recipient ??= Activity.From;
        if (reply.ReplyToId == Activity.Id && TakeRecorded(reply) is { } stored)
        {
            // Stored (and delivered to whoever was listening) before the interruption: never a second time.
            return Task.FromResult(stored);
        }
        return conversations.SendAsync(Conversation, reply, cancellationToken);
    }

    /// <summary>The next recorded activity of the same kind as <paramref name="reply"/>, consumed; null when none is left.</summary>
    private Activity? TakeRecorded(Activity reply)
    {
        if (Recorded.Count == 0)
        {
            return null;
        }
        lock (_replay)
        {
            for (var i = _replayed; i < Recorded.Count; i++)
            {
                if (TurnRecord.SameKind(Recorded[i], reply))
                {
                    _replayed = i + 1;
                    return Recorded[i];
                }
            }
            return null;
        }
    }

    public IReplyStream BeginStream() => new ReplyStream(this, TimeSpan.FromMilliseconds(options.StreamIntervalMilliseconds));

    /// <summary>
    /// Bot Framework livestreaming: typing activities carrying the whole text so far, tagged with the id of the
    /// first chunk (the stream id, on the first chunk as well) and a rising sequence number, closed by a final
    /// message with the same stream id.
    /// </summary>
    private sealed class ReplyStream(TurnContext turn, TimeSpan interval) : IReplyStream
    {
        private readonly Lock _gate = new();
        private readonly StringBuilder _text = new();
        private readonly Stopwatch _sinceLastText = new();
        private string? _streamId;
        private int _sequence;
        private bool _textSent;
        private bool _flushScheduled;
        private bool _completed;

        public string Text
        {
            get { lock (_gate) { return _text.ToString(); } }
        }

        public Task InformAsync(string text, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                Publish("informative", text);
            }
            return Task.CompletedTask;
        }

        public Task AppendAsync(string text, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                _text.Append(text);
                var wait = interval - _sinceLastText.Elapsed;
                if (!_textSent || wait <= TimeSpan.Zero)
                {
                    PublishText();
                }
                else if (!_flushScheduled)
                {
                    // Trailing edge: text held back by the interval still shows if the writer pauses (a tool runs).
                    _flushScheduled = true;
                    _ = Task.Delay(wait, CancellationToken.None).ContinueWith(_ =>
                    {
                        lock (_gate)
                        {
                            _flushScheduled = false;
                            if (!_completed)
                            {
                                PublishText();
                            }
                        }
                    }, TaskScheduler.Default);
                }
            }
            return Task.CompletedTask;
        }

        public Task<Activity> CompleteAsync(Activity? final, CancellationToken cancellationToken)
        {
            string? streamId;
            lock (_gate)
            {
                _completed = true;
                streamId = _streamId;
                final ??= new Activity();
                final.Text ??= _text.ToString();
            }
            final.Type ??= ActivityTypes.Message;
            final.TextFormat ??= "markdown";
            if (streamId is not null)
            {
                var channelData = final.ChannelData as JsonObject ?? [];
                channelData["streamType"] = "final";
                channelData["streamId"] = streamId;
                final.ChannelData = channelData;
                (final.Entities ??= []).Add(new JsonObject { ["type"] = "streaminfo", ["streamId"] = streamId, ["streamType"] = "final" });
            }
            return turn.SendAsync(final, cancellationToken);
        }

        private void PublishText()
        {
            Publish("streaming", _text.ToString());
            _textSent = true;
            _sinceLastText.Restart();
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
            // Every chunk names its stream, the first one too (its own id). Web Chat 4.18 places a chunk next to the
            // chunks with the same channelData.streamId; a first chunk without one matched every earlier stream's
            // first chunk and was drawn above them, and above the question it answers.
            _streamId ??= chunk.Id;
            chunk.ChannelData["streamId"] = _streamId;
            chunk.Entities[0]["streamId"] = _streamId;
            turn.PublishTransient(chunk);
        }
    }

    private void PublishTransient(Activity chunk) => conversations.PublishTransient(Conversation, chunk);
}
