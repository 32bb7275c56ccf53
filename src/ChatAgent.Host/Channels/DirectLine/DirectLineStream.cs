using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Service;
using ChatAgent.Conversations.Store;
using Microsoft.Extensions.Options;

namespace ChatAgent.Host.Channels.DirectLine;

/// <summary>
/// The Direct Line WebSocket stream: on connect, every stored activity after the client's watermark; then each
/// new activity (and transient typing/livestreaming chunks) as a <c>{activities, watermark}</c> frame, with
/// empty keep-alive frames in between. Stored activities are always sent in sequence order without gaps: if the
/// live feed skips ahead (another host wrote, or a slow client dropped items) the gap is read from the store.
/// </summary>
internal static class DirectLineStream
{
    public static async Task<IResult> AcceptAsync(HttpContext http, string conversationId, string? watermark,
        DirectLineTokens tokens, ConversationService conversations, ConversationStore store, ConversationFeed feed, CustomerView view,
        IOptions<DirectLineOptions> options, ILoggerFactory loggers)
    {
        var (caller, error) = await DirectLineCaller.AuthenticateAsync(http, tokens, allowQueryToken: true);
        if (error is not null)
        {
            return error;
        }
        if (!http.WebSockets.IsWebSocketRequest)
        {
            return DirectLineError.BadArgument("This endpoint is a WebSocket: connect with a WebSocket client.");
        }
        long after = 0;
        if (!string.IsNullOrEmpty(watermark) && !long.TryParse(watermark, NumberStyles.None, CultureInfo.InvariantCulture, out after))
        {
            return DirectLineError.BadArgument("watermark must be a non-negative integer.");
        }
        var (conversation, openError) = await caller!.OpenConversationAsync(conversationId, conversations, http.RequestAborted);
        if (openError is not null)
        {
            return openError;
        }
        var credential = http.Request.Query["t"].FirstOrDefault() ?? http.Request.Headers.Authorization.ToString();
        using var slot = OpenStreams.TryTake(credential, options.Value.MaxStreamsPerToken);
        if (slot is null)
        {
            return DirectLineError.Result(StatusCodes.Status429TooManyRequests, "TooManyStreams",
                $"This token already has {options.Value.MaxStreamsPerToken} open streams (DirectLine:MaxStreamsPerToken); close one first.");
        }

        // Subscribed before the handshake completes, so nothing published after the client sees "connected" is missed.
        using var subscription = feed.Subscribe(conversation!.Id);
        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        var logger = loggers.CreateLogger(typeof(DirectLineStream));
        try
        {
            await RunAsync(socket, subscription, after, caller.Grant?.ExpiresAt, store, view, options.Value, http.RequestAborted);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            logger.LogDebug(ex, "Stream of conversation {ConversationId} ended", conversationId);
        }
        return Results.Empty;
    }

    /// <summary>Open streams per credential (keyed by a hash, so tokens are not kept in memory as they are).</summary>
    private static class OpenStreams
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> Counts = new(StringComparer.Ordinal);

        public static IDisposable? TryTake(string credential, int max)
        {
            var key = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(credential)));
            while (true)
            {
                var current = Counts.GetOrAdd(key, 0);
                if (current >= max)
                {
                    return null;
                }
                if (Counts.TryUpdate(key, current + 1, current))
                {
                    return new Slot(key);
                }
            }
        }

        private sealed class Slot(string key) : IDisposable
        {
            private int _released;

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _released, 1) == 1)
                {
                    return;
                }
                while (true)
                {
                    var current = Counts[key];
                    if (current <= 1 ? ((ICollection<KeyValuePair<string, int>>)Counts).Remove(new KeyValuePair<string, int>(key, current)) : Counts.TryUpdate(key, current - 1, current))
                    {
                        return;
                    }
                }
            }
        }
    }

    private static async Task RunAsync(WebSocket socket, FeedSubscription subscription, long sent, DateTimeOffset? tokenExpires,
        ConversationStore store, CustomerView view, DirectLineOptions options, CancellationToken aborted)
    {
        var conversationId = subscription.ConversationId;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        if (tokenExpires is not null)
        {
            var remaining = tokenExpires.Value - DateTimeOffset.UtcNow;
            stop.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        }
        var receiving = ReceiveUntilClosedAsync(socket, stop);

        sent = await SendStoredAsync(socket, store, view, conversationId, sent, stop.Token);
        var keepAlive = TimeSpan.FromSeconds(options.KeepAliveSeconds);
        var catchUp = TimeSpan.FromSeconds(options.StreamCatchUpSeconds);
        var lastFrame = DateTime.UtcNow;
        var lastCatchUp = DateTime.UtcNow;

        Task<bool>? wait = null;
        while (!stop.IsCancellationRequested && socket.State == WebSocketState.Open)
        {
            wait ??= subscription.Reader.WaitToReadAsync(stop.Token).AsTask();
            var tick = Task.Delay(TimeSpan.FromSeconds(1), stop.Token);
            await Task.WhenAny(wait, tick, receiving);
            if (receiving.IsCompleted || stop.IsCancellationRequested)
            {
                break;
            }
            if (wait.IsCompleted)
            {
                wait = null;
            }

            while (subscription.Reader.TryRead(out var item))
            {
                var visible = view.Present(item.Activity);
                if (item.Sequence is null)
                {
                    if (visible is not null)
                    {
                        await SendFrameAsync(socket, [visible], sent, stop.Token);
                    }
                }
                else if (item.Sequence == sent + 1)
                {
                    // An internal activity is not sent, but the watermark moves past it.
                    if (visible is not null)
                    {
                        await SendFrameAsync(socket, [visible], item.Sequence.Value, stop.Token);
                    }
                    sent = item.Sequence.Value;
                }
                else if (item.Sequence > sent)
                {
                    sent = await SendStoredAsync(socket, store, view, conversationId, sent, stop.Token);
                }
                lastFrame = DateTime.UtcNow;
            }

            var now = DateTime.UtcNow;
            if (now - lastCatchUp >= catchUp)
            {
                lastCatchUp = now;
                var before = sent;
                sent = await SendStoredAsync(socket, store, view, conversationId, sent, stop.Token);
                if (sent != before)
                {
                    lastFrame = now;
                }
            }
            if (now - lastFrame >= keepAlive)
            {
                await socket.SendAsync(ReadOnlyMemory<byte>.Empty, WebSocketMessageType.Text, true, stop.Token);
                lastFrame = now;
            }
        }

        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            var reason = tokenExpires is not null && DateTimeOffset.UtcNow >= tokenExpires ? "Token expired" : "Closing";
            using var closeTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, reason, closeTimeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // The peer is already gone.
            }
        }
    }

    private static async Task<long> SendStoredAsync(WebSocket socket, ConversationStore store, CustomerView view, string conversationId, long sent, CancellationToken ct)
    {
        while (true)
        {
            var batch = await store.GetActivitiesAsync(conversationId, sent, 100, ct);
            if (batch.Count == 0)
            {
                return sent;
            }
            sent = batch[^1].Sequence;
            var visible = view.Present(batch.Select(b => b.Activity));
            if (visible.Count > 0)
            {
                await SendFrameAsync(socket, visible, sent, ct);
            }
        }
    }

    private static Task SendFrameAsync(WebSocket socket, IReadOnlyList<Activity> activities, long watermark, CancellationToken ct)
    {
        var frame = JsonSerializer.SerializeToUtf8Bytes(
            new DirectLineApi.ActivitySet(activities, watermark.ToString(CultureInfo.InvariantCulture)), ActivityJson.Options);
        return socket.SendAsync(new ArraySegment<byte>(frame), WebSocketMessageType.Text, true, ct);
    }

    /// <summary>Clients send only keep-alives; reading is how a close (or a dead peer) is noticed.</summary>
    private static async Task ReceiveUntilClosedAsync(WebSocket socket, CancellationTokenSource stop)
    {
        var buffer = new byte[4096];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var result = await socket.ReceiveAsync(buffer, stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // Closed or aborted by the peer.
        }
    }
}
