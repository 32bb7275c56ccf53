using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Service;
using ChatAgent.Conversations.Store;
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
        var api = app.MapGroup("/api").WithTags("Bot Framework");
        api.MapPost("/messages", ReceiveAsync).WithName("BotFrameworkMessages")
            .WithSummary("Receives an activity from a Bot Framework channel; replies go to its serviceUrl, or in the response body for deliveryMode expectReplies.");
        return app;
    }

    private static async Task<IResult> ReceiveAsync(
        HttpContext http,
        BotFrameworkAuthenticator authenticator,
        BotFrameworkConnector connector,
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
        if (activity is null)
        {
            return BotFrameworkError.BadSyntax("The body is empty.");
        }
        if (string.IsNullOrWhiteSpace(activity.Type))
        {
            return BotFrameworkError.MissingProperty("type is required.");
        }
        if (string.IsNullOrWhiteSpace(activity.Conversation?.Id))
        {
            return BotFrameworkError.MissingProperty("conversation.id is required.");
        }
        if (string.IsNullOrWhiteSpace(activity.ChannelId) || !ChannelIdPattern().IsMatch(activity.ChannelId))
        {
            return BotFrameworkError.BadArgument("channelId is required: letters, digits, '.', '_' or '-', at most 32 characters.");
        }
        if (!Uri.TryCreate(activity.ServiceUrl, UriKind.Absolute, out var serviceUrl) || (serviceUrl.Scheme != Uri.UriSchemeHttps && serviceUrl.Scheme != Uri.UriSchemeHttp))
        {
            return BotFrameworkError.MissingProperty("serviceUrl must be the channel's absolute http(s) URL.");
        }
        // The channel vouches for the serviceUrl in its token; an activity naming another one could make the bot
        // post customers' conversations elsewhere.
        if (caller!.ServiceUrlClaim is { } claimed && !string.Equals(claimed.TrimEnd('/'), activity.ServiceUrl!.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
        {
            return BotFrameworkError.Unauthorized("The activity's serviceUrl does not match the serviceurl claim of the token.");
        }

        var conversationId = BotFrameworkReference.StoreConversationId(activity.ChannelId, activity.Conversation.Id);
        var conversation = await conversations.StartAsync(conversationId, activity.ChannelId, null, activity.ServiceUrl, ct);
        if (!string.Equals(conversation.ChannelId, activity.ChannelId, StringComparison.Ordinal))
        {
            return BotFrameworkError.BadArgument("The conversation belongs to another channel.");
        }

        var expectReplies = string.Equals(activity.DeliveryMode, "expectReplies", StringComparison.OrdinalIgnoreCase);
        using var expected = expectReplies ? connector.ExpectReplies() : null;
        new BotFrameworkReference(activity.Id, activity.Conversation.Id, activity.ServiceUrl!, expected?.Id).WriteTo(activity);
        var botAccountId = activity.Recipient?.Id;

        var stored = await conversations.ReceiveAsync(conversation, activity, ct);

        var joined = activity.Type == ActivityTypes.ConversationUpdate
            ? activity.MembersAdded?.FirstOrDefault(m => m.Id is not null && m.Id != botAccountId)
            : null;
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
