using ChatAgent.Conversations.Service;
using ChatAgent.Conversations.Store;

namespace ChatAgent.Host.Channels.DirectLine;

/// <summary>Who is calling: the shop's backend (with the secret) or a client holding a conversation's token.</summary>
public sealed record DirectLineCaller(bool HasSecret, TokenGrant? Grant)
{
    /// <summary>
    /// Reads <c>Authorization: Bearer</c> (or, for the WebSocket stream where browsers send no headers, the <c>t</c>
    /// query parameter) and checks it. Returns the caller, or the error to answer with.
    /// </summary>
    public static async Task<(DirectLineCaller? Caller, IResult? Error)> AuthenticateAsync(HttpContext http, DirectLineTokens tokens, bool allowQueryToken = false)
    {
        string? credential = null;
        var header = http.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            credential = header["Bearer ".Length..].Trim();
        }
        else if (allowQueryToken)
        {
            credential = http.Request.Query["t"].ToString();
        }

        if (string.IsNullOrEmpty(credential))
        {
            return (null, DirectLineError.Unauthorized("Missing credentials: send 'Authorization: Bearer <secret or token>'."));
        }
        if (tokens.IsSecret(credential))
        {
            return (new DirectLineCaller(true, null), null);
        }
        var (check, grant) = await tokens.ValidateAsync(credential);
        return check switch
        {
            TokenCheck.Valid => (new DirectLineCaller(false, grant), null),
            TokenCheck.Expired => (null, DirectLineError.TokenExpired()),
            _ => (null, DirectLineError.Unauthorized("The token or secret is not valid.")),
        };
    }

    /// <summary>
    /// The conversation this caller may use: a token only reaches its own conversation (created on first use,
    /// since the token proves it was issued); the secret reaches any existing one.
    /// </summary>
    public async Task<(ConversationRecord? Conversation, IResult? Error)> OpenConversationAsync(string conversationId, ConversationService conversations, CancellationToken ct)
    {
        if (Grant is not null)
        {
            if (!string.Equals(Grant.ConversationId, conversationId, StringComparison.Ordinal))
            {
                return (null, DirectLineError.Forbidden("This token belongs to another conversation."));
            }
            var record = await conversations.StartAsync(conversationId, DirectLineApi.ChannelId, Grant.UserId, null, ct);
            return record.Status == ConversationStatus.Ended
                ? (null, DirectLineError.NotFound("This conversation has ended."))
                : (record, null);
        }

        var existing = await conversations.FindAsync(conversationId, ct);
        return existing is null || existing.Status == ConversationStatus.Ended
            ? (null, DirectLineError.NotFound($"Conversation '{conversationId}' does not exist or has ended."))
            : (existing, null);
    }
}
