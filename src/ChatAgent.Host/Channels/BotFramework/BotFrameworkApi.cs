using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Service;
using ChatAgent.Conversations.Store;
using ChatAgent.Host.Channels.DirectLine;
using ChatAgent.Host.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace ChatAgent.Host.Channels.BotFramework;

/// <summary>
/// The standard bot endpoint, <c>POST /api/messages</c>, that Azure Bot Service channels (Teams, Slack, Facebook…)
/// and the Bot Framework Emulator call. Written by hand: the Bot Builder SDK does not restore here.
/// </summary>
public static partial class BotFrameworkApi
{
    /// <summary>Maps <c>POST /api/messages</c>; needs <see cref="BotFrameworkExtensions.AddBotFrameworkChannel"/>.</summary>
    public static IEndpointRouteBuilder MapBotFrameworkChannel(this IEndpointRouteBuilder app)
    {
        var limit = app.ServiceProvider.GetRequiredService<IConfiguration>().GetSection(BotFrameworkOptions.Section).Get<BotFrameworkOptions>()?.MaxRequestBytes ?? new BotFrameworkOptions().MaxRequestBytes;
        var api = app.MapGroup("/api").WithTags("Bot Framework");
        api.MapPost("/messages", ReceiveAsync).WithName("BotFrameworkMessages")
            .WithRequestBodyLimit(limit)
            .WithSummary("Receives an activity from a Bot Framework channel; replies go to its serviceUrl, or in the response body for deliveryMode expectReplies.");
        return app;
    }

    private static async Task<IResult> ReceiveAsync(
        HttpContext http,
        BotFrameworkAuthenticator authenticator,
        BotFrameworkConnector connector,
        BotFrameworkRateLimiter rateLimiter,
        IEnumerable<IBotFrameworkInvokeHandler> invokeHandlers,
        ConversationService conversations,
        ConversationStore store,
        IOptions<BotFrameworkOptions> options,
        ILogger<BotFrameworkConnector> logger)
    {
        var ct = http.RequestAborted;
        var (caller, authError) = await authenticator.AuthenticateAsync(http, ct);
        if (authError is not null)
        {
            return BotFrameworkError.Unauthorized(authError);
        }

        var settings = options.Value;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = settings.MaxRequestBytes;
        }
        Activity? activity;
        try
        {
            activity = await JsonSerializer.DeserializeAsync<Activity>(http.Request.Body, ActivityJson.Options, ct);
        }
        catch (JsonException ex)
        {
            return BotFrameworkError.BadSyntax($"The body is not a valid activity: {ex.Message}");
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return BotFrameworkError.Result(StatusCodes.Status413PayloadTooLarge, "MessageSizeTooBig", $"The activity is larger than {settings.MaxRequestBytes} bytes ({BotFrameworkOptions.Section}:{nameof(BotFrameworkOptions.MaxRequestBytes)}).");
        }
        if (activity is null)
        {
            return BotFrameworkError.BadSyntax("The body is empty.");
        }
        if (Validate(activity) is { } invalid)
        {
            return invalid;
        }
        // The channel vouches for the serviceUrl in its token; an activity naming another one could make the bot
        // post customers' conversations elsewhere.
        if (caller!.ServiceUrlClaim is { } claimed && !string.Equals(claimed.TrimEnd('/'), activity.ServiceUrl!.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
        {
            return BotFrameworkError.Unauthorized("The activity's serviceUrl does not match the serviceurl claim of the token.");
        }
        if (!caller.IsEndorsedFor(activity.ChannelId!))
        {
            logger.LogWarning("Refused a Bot Framework activity for channel {ChannelId}: the token's signing key is endorsed only for {Endorsements}", activity.ChannelId, string.Join(", ", caller.Endorsements!));
            return BotFrameworkError.Unauthorized($"The token's signing key is not endorsed for channel '{activity.ChannelId}'.");
        }

        var conversationId = BotFrameworkReference.StoreConversationId(activity.ChannelId!, activity.Conversation!.Id!);
        if (activity.Type == ActivityTypes.Typing)
        {
            // Shown live to whoever watches the conversation (an agent), never stored: it is not part of what was said.
            // Not counted against the message budget either: Web Chat sends one every few seconds while someone types.
            if (await conversations.FindAsync(conversationId, ct) is { } typingIn)
            {
                conversations.PublishTransient(typingIn, new Activity { Type = ActivityTypes.Typing, From = activity.From });
            }
            return Results.Ok();
        }
        using (var lease = rateLimiter.Acquire(conversationId))
        {
            if (!lease.IsAcquired)
            {
                var retryAfter = DirectLineExtensions.RetryAfterSeconds(lease);
                http.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                return BotFrameworkError.Result(StatusCodes.Status429TooManyRequests, "TooManyRequests", $"Too many activities in this conversation; retry after {retryAfter} s.");
            }
        }
        if (activity.Type == ActivityTypes.Invoke)
        {
            return await InvokeAsync(activity, invokeHandlers, logger, ct);
        }

        var conversation = await conversations.StartAsync(conversationId, activity.ChannelId!, null, activity.ServiceUrl, ct);
        if (!string.Equals(conversation.ChannelId, activity.ChannelId, StringComparison.Ordinal))
        {
            return BotFrameworkError.BadArgument("The conversation belongs to another channel.");
        }
        // Channels move conversations between serviceUrls; only an authenticated activity (checked above) may do so.
        if (!string.Equals(conversation.ServiceUrl, activity.ServiceUrl, StringComparison.Ordinal))
        {
            await store.SetServiceUrlAsync(conversation.Id, activity.ServiceUrl!, ct);
            conversation.ServiceUrl = activity.ServiceUrl;
        }

        var botAccountId = activity.Recipient?.Id;
        var joined = activity.Type == ActivityTypes.ConversationUpdate
            ? activity.MembersAdded?.FirstOrDefault(m => m.Id is not null && m.Id != botAccountId)
            : null;
        // Direct Line answers an ended conversation with 404 and its client starts a new one; a Bot Framework channel
        // owns its conversation id for good (a Teams chat never goes away), so the customer coming back reopens it.
        if (conversation.Status == ConversationStatus.Ended && (activity.Type == ActivityTypes.Message || joined is not null))
        {
            await store.SetStatusAsync(conversation.Id, ConversationStatus.Active, ct);
            conversation.Status = ConversationStatus.Active;
            logger.LogInformation("Conversation {ConversationId} had ended; the customer's new {Type} reopened it for the bot", conversation.Id, activity.Type);
        }

        var expectReplies = string.Equals(activity.DeliveryMode, "expectReplies", StringComparison.OrdinalIgnoreCase);
        using var expected = expectReplies ? connector.ExpectReplies() : null;
        new BotFrameworkReference(activity.Id, activity.Conversation.Id!, activity.ServiceUrl!, expected?.Id).WriteTo(activity);

        // Every other type (message, conversationUpdate, messageReaction, installationUpdate, endOfConversation,
        // event…) is kept in the transcript; only a customer's message gets a turn of the bot.
        var stored = await conversations.ReceiveAsync(conversation, activity, ct);

        if (activity.Type == ActivityTypes.EndOfConversation && conversation.Status == ConversationStatus.Active)
        {
            // The customer left. An escalated conversation stays with its agent; an active one is closed until they return.
            await store.SetStatusAsync(conversation.Id, ConversationStatus.Ended, ct);
        }
        if (joined is not null && conversation.Status == ConversationStatus.Active)
        {
            await conversations.SendAsync(conversation, new Activity
            {
                Type = ActivityTypes.Message,
                Text = settings.Greeting,
                ReplyToId = stored.Id,
                Recipient = joined,
            }, ct);
        }

        if (expected is null)
        {
            return Results.Ok();
        }

        await WaitForTurnAsync(store, conversation.Id, stored.Id!, TimeSpan.FromSeconds(settings.ExpectRepliesTimeoutSeconds), logger, ct);
        return Results.Json(new ExpectedRepliesResponse(expected.Replies), ActivityJson.Options);
    }

    /// <summary>The fields every activity from a channel must carry, or the 400 that names the missing one.</summary>
    private static IResult? Validate(Activity activity)
    {
        if (string.IsNullOrWhiteSpace(activity.Type))
        {
            return BotFrameworkError.MissingProperty("type is required.");
        }
        if (string.IsNullOrWhiteSpace(activity.Conversation?.Id))
        {
            return BotFrameworkError.MissingProperty("conversation.id is required.");
        }
        if (string.IsNullOrWhiteSpace(activity.From?.Id))
        {
            return BotFrameworkError.MissingProperty("from.id is required (who sent the activity).");
        }
        if (string.IsNullOrWhiteSpace(activity.ChannelId) || !ChannelIdPattern().IsMatch(activity.ChannelId))
        {
            return BotFrameworkError.BadArgument("channelId is required: letters, digits, '.', '_' or '-', at most 32 characters.");
        }
        if (!Uri.TryCreate(activity.ServiceUrl, UriKind.Absolute, out var serviceUrl) || (serviceUrl.Scheme != Uri.UriSchemeHttps && serviceUrl.Scheme != Uri.UriSchemeHttp))
        {
            return BotFrameworkError.MissingProperty("serviceUrl must be the channel's absolute http(s) URL.");
        }
        return null;
    }

    /// <summary>
    /// An invoke is answered in this response, never by a posted reply: the handler registered for its name writes the
    /// InvokeResponse, and a name nobody handles gets 501 as Bot Framework's own adapter answers it, so the channel
    /// shows the user that the action is not supported instead of waiting.
    /// </summary>
    private static async Task<IResult> InvokeAsync(Activity invoke, IEnumerable<IBotFrameworkInvokeHandler> handlers, ILogger logger, CancellationToken ct)
    {
        var handler = handlers.FirstOrDefault(h => string.Equals(h.Name, invoke.Name, StringComparison.OrdinalIgnoreCase));
        if (handler is null)
        {
            logger.LogInformation("Answered invoke {InvokeName} on channel {ChannelId} with 501: no handler is registered for it", invoke.Name, invoke.ChannelId);
            return BotFrameworkError.Result(StatusCodes.Status501NotImplemented, "NotImplemented", $"This bot does not handle the invoke '{invoke.Name}'.");
        }
        var response = await handler.HandleAsync(invoke, ct);
        return response.Body is null ? Results.StatusCode(response.Status) : Results.Json(response.Body, statusCode: response.Status);
    }

    /// <summary>Waits until the bot's turn for the activity is done (the store clears its pending flag then).</summary>
    private static async Task WaitForTurnAsync(ConversationStore store, string conversationId, string activityId, TimeSpan timeout, ILogger logger, CancellationToken ct)
    {
        if (!long.TryParse(activityId.AsSpan(activityId.LastIndexOf('|') + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            return;
        }
        var deadline = DateTimeOffset.UtcNow + timeout;
        // Polling the store rather than an in-process signal: the turn may run on another host of the same store.
        while ((await store.GetPendingTurnsAsync(conversationId, ct)).Any(p => p.Sequence == sequence))
        {
            if (DateTimeOffset.UtcNow >= deadline)
            {
                logger.LogWarning("expectReplies for {ActivityId} answered before the bot finished (timeout)", activityId);
                return;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(20), ct);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,32}$")]
    private static partial Regex ChannelIdPattern();

    private sealed record ExpectedRepliesResponse(IReadOnlyList<Activity> Activities);
}
