using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Service;
using ChatAgent.Conversations.Store;
using ChatAgent.Host.Hosting;
using Microsoft.Extensions.Options;

namespace ChatAgent.Host.Channels.DirectLine;

/// <summary>
/// The Direct Line 3.0 REST surface that Bot Framework clients (Web Chat, directlinejs, our widget) call.
/// Written by hand: the Bot Framework SDK does not restore here and has no server side for Direct Line anyway.
/// </summary>
public static class DirectLineApi
{
    public const string ChannelId = "directline";
    public const string ActivitiesRateLimitPolicy = "directline-activities";
    private const int MaxActivitiesPerRead = 500;

    public static IEndpointRouteBuilder MapDirectLine(this IEndpointRouteBuilder app)
    {
        var limits = app.ServiceProvider.GetRequiredService<IConfiguration>().GetSection(DirectLineOptions.Section).Get<DirectLineOptions>() ?? new DirectLineOptions();
        var api = app.MapGroup("/v3/directline").WithTags("Direct Line").RequireCors(DirectLineExtensions.CorsPolicy)
            .WithRequestBodyLimit(limits.MaxRequestBytes);

        api.MapPost("/tokens/generate", GenerateTokenAsync).WithName("DirectLineGenerateToken").WithSummary("Exchanges the secret for a token bound to a new conversation (and optionally to a user id the shop vouches for).");
        api.MapPost("/tokens/refresh", RefreshTokenAsync).WithName("DirectLineRefreshToken").WithSummary("Exchanges a valid token for a fresh one for the same conversation.");
        api.MapPost("/conversations", StartConversationAsync).WithName("DirectLineStartConversation").WithSummary("Starts (or, with a token, opens) a conversation; returns its stream URL.");
        api.MapGet("/conversations/{conversationId}", ResumeConversationAsync).WithName("DirectLineResumeConversation").WithSummary("Reconnects to a conversation: a fresh stream URL from a watermark.");
        api.MapPost("/conversations/{conversationId}/activities", PostActivityAsync).WithName("DirectLinePostActivity").WithSummary("Sends an activity; it is stored before the id is returned.").RequireRateLimiting(ActivitiesRateLimitPolicy);
        api.MapGet("/conversations/{conversationId}/activities", GetActivitiesAsync).WithName("DirectLineGetActivities").WithSummary("Activities after a watermark (polling).");
        api.MapPost("/conversations/{conversationId}/upload", UploadAsync).WithName("DirectLineUpload").WithSummary("Sends an activity with file attachments (multipart).").RequireRateLimiting(ActivitiesRateLimitPolicy)
            .WithRequestBodyLimit(UploadBodyLimit(limits));
        api.Map("/conversations/{conversationId}/stream", DirectLineStream.AcceptAsync).WithName("DirectLineStream").WithSummary("WebSocket stream of {activities, watermark} frames; token in the 't' query parameter.");
        return app;
    }

    private static async Task<IResult> GenerateTokenAsync(HttpContext http, DirectLineTokens tokens)
    {
        var (caller, error) = await DirectLineCaller.AuthenticateAsync(http, tokens);
        if (error is not null)
        {
            return error;
        }
        if (!caller!.HasSecret)
        {
            return DirectLineError.Forbidden("tokens/generate needs the secret, not a token.");
        }

        string? userId = null;
        if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            JsonNode? body;
            try
            {
                body = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
            }
            catch (JsonException ex)
            {
                return DirectLineError.BadSyntax($"The body is not valid JSON: {ex.Message}");
            }
            if (body is not null and not JsonObject)
            {
                return DirectLineError.BadArgument("The body must be a JSON object, e.g. {\"user\":{\"id\":\"customer-42\"}}, or empty.");
            }
            var user = body?["user"] ?? body?["User"];
            if (user is not null and not JsonObject)
            {
                return DirectLineError.BadArgument("'user' must be an object with an 'id', e.g. {\"user\":{\"id\":\"customer-42\"}}.");
            }
            var id = user?["id"] ?? user?["Id"];
            if (id is not null)
            {
                if (id.GetValueKind() != JsonValueKind.String || string.IsNullOrWhiteSpace(id.GetValue<string>()) || id.GetValue<string>().Length > 256
                    || InboundActivityPolicy.IsBad(id.GetValue<string>()))
                {
                    return DirectLineError.BadArgument("user.id must be a non-empty string of at most 256 characters, without NUL or broken Unicode.");
                }
                userId = id.GetValue<string>();
            }
        }
        return Results.Ok(NewTokenResponse(tokens, NewConversationId(), userId));
    }

    private static async Task<IResult> RefreshTokenAsync(HttpContext http, DirectLineTokens tokens)
    {
        var (caller, error) = await DirectLineCaller.AuthenticateAsync(http, tokens);
        if (error is not null)
        {
            return error;
        }
        if (caller!.Grant is null)
        {
            return DirectLineError.BadArgument("tokens/refresh needs a token; the secret does not expire.");
        }
        return Results.Ok(NewTokenResponse(tokens, caller.Grant.ConversationId, caller.Grant.UserId));
    }

    private static async Task<IResult> StartConversationAsync(HttpContext http, DirectLineTokens tokens, ConversationService conversations)
    {
        var (caller, error) = await DirectLineCaller.AuthenticateAsync(http, tokens);
        if (error is not null)
        {
            return error;
        }

        var conversationId = caller!.Grant?.ConversationId ?? NewConversationId();
        var userId = caller.Grant?.UserId;
        var (conversation, openError) = caller.Grant is not null
            ? await caller.OpenConversationAsync(conversationId, conversations, http.RequestAborted)
            : (await conversations.StartAsync(conversationId, ChannelId, null, null, http.RequestAborted), null);
        if (openError is not null)
        {
            return openError;
        }

        var token = caller.Grant is not null ? http.Request.Headers.Authorization.ToString()["Bearer ".Length..].Trim() : tokens.Issue(conversation!.Id, userId);
        var expiresIn = caller.Grant is not null ? (int)(caller.Grant.ExpiresAt - DateTimeOffset.UtcNow).TotalSeconds : (int)tokens.Lifetime.TotalSeconds;
        return Results.Json(new ConversationResponse(conversation!.Id, token, expiresIn, StreamUrl(http, conversation.Id, token, null)), statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> ResumeConversationAsync(HttpContext http, string conversationId, string? watermark, DirectLineTokens tokens, ConversationService conversations)
    {
        var (caller, error) = await DirectLineCaller.AuthenticateAsync(http, tokens);
        if (error is not null)
        {
            return error;
        }
        if (!TryParseWatermark(watermark, out var after))
        {
            return DirectLineError.BadArgument("watermark must be a non-negative integer.");
        }
        var (conversation, openError) = await caller!.OpenConversationAsync(conversationId, conversations, http.RequestAborted);
        if (openError is not null)
        {
            return openError;
        }

        var token = caller.Grant is not null ? http.Request.Headers.Authorization.ToString()["Bearer ".Length..].Trim() : tokens.Issue(conversation!.Id, conversation!.UserId);
        var expiresIn = caller.Grant is not null ? (int)(caller.Grant.ExpiresAt - DateTimeOffset.UtcNow).TotalSeconds : (int)tokens.Lifetime.TotalSeconds;
        return Results.Ok(new ConversationResponse(conversation!.Id, token, expiresIn, StreamUrl(http, conversation.Id, token, after)));
    }

    private static async Task<IResult> PostActivityAsync(HttpContext http, string conversationId, DirectLineTokens tokens, ConversationService conversations, IOptions<DirectLineOptions> options)
    {
        var (caller, error) = await DirectLineCaller.AuthenticateAsync(http, tokens);
        if (error is not null)
        {
            return error;
        }

        var (body, bodyError) = await ReadBodyAsync(http.Request, options.Value.MaxRequestBytes);
        if (bodyError is not null)
        {
            return bodyError;
        }
        var (activity, activityError) = ParseActivity(body!, options.Value);
        if (activityError is not null)
        {
            return activityError;
        }

        var (conversation, openError) = await caller!.OpenConversationAsync(conversationId, conversations, http.RequestAborted);
        if (openError is not null)
        {
            return openError;
        }

        BindSender(activity!, caller);
        try
        {
            var stored = await conversations.ReceiveAsync(conversation!, activity!, http.RequestAborted);
            return Results.Ok(new ResourceResponse(stored.Id!));
        }
        catch (ActivityRejectedException rejected)
        {
            return DirectLineError.Result(rejected.Status, rejected.Code, rejected.Message);
        }
    }

    private static async Task<IResult> UploadAsync(HttpContext http, string conversationId, string? userId, DirectLineTokens tokens, ConversationService conversations, IOptions<DirectLineOptions> options)
    {
        var (caller, error) = await DirectLineCaller.AuthenticateAsync(http, tokens);
        if (error is not null)
        {
            return error;
        }
        if (!http.Request.HasFormContentType)
        {
            return DirectLineError.BadArgument("upload expects multipart/form-data.");
        }
        if (http.Request.ContentLength > UploadBodyLimit(options.Value))
        {
            return DirectLineError.TooBig($"Uploads are limited to {options.Value.MaxUploadBytes} bytes.");
        }

        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(http.RequestAborted);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return DirectLineError.TooBig($"Uploads are limited to {options.Value.MaxUploadBytes} bytes.");
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or BadHttpRequestException)
        {
            return DirectLineError.BadSyntax($"The multipart body could not be read: {ex.Message}");
        }

        Activity activity = new() { Type = ActivityTypes.Message };
        var files = form.Files.Where(f => f.Name != "activity").ToList();
        var activityPart = form.Files.FirstOrDefault(f => f.Name == "activity");
        if (activityPart is not null)
        {
            await using var stream = activityPart.OpenReadStream();
            var bytes = new byte[activityPart.Length];
            await stream.ReadExactlyAsync(bytes, http.RequestAborted);
            var (parsed, parseError) = ParseActivity(bytes, options.Value);
            if (parseError is not null)
            {
                return parseError;
            }
            activity = parsed!;
        }
        if (files.Sum(f => f.Length) > options.Value.MaxUploadBytes)
        {
            return DirectLineError.TooBig($"Uploads are limited to {options.Value.MaxUploadBytes} bytes.");
        }

        var (conversation, openError) = await caller!.OpenConversationAsync(conversationId, conversations, http.RequestAborted);
        if (openError is not null)
        {
            return openError;
        }

        activity.Attachments ??= [];
        foreach (var file in files)
        {
            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer, http.RequestAborted);
            var contentType = string.IsNullOrEmpty(file.ContentType) ? "application/octet-stream" : file.ContentType;
            activity.Attachments.Add(new Attachment
            {
                ContentType = contentType,
                Name = Path.GetFileName(file.FileName),
                // Kept inline (a data URL) so the transcript alone is the whole record of the conversation.
                ContentUrl = $"data:{contentType};base64,{Convert.ToBase64String(buffer.GetBuffer(), 0, (int)buffer.Length)}",
            });
        }
        if (!string.IsNullOrEmpty(userId) && caller.Grant?.UserId is null)
        {
            activity.From ??= new ChannelAccount { Id = userId };
        }
        BindSender(activity, caller);
        var stored = await conversations.ReceiveAsync(conversation!, activity, http.RequestAborted);
        return Results.Ok(new ResourceResponse(stored.Id!));
    }

    private static async Task<IResult> GetActivitiesAsync(HttpContext http, string conversationId, string? watermark, DirectLineTokens tokens, ConversationService conversations, ConversationStore store, CustomerView view)
    {
        var (caller, error) = await DirectLineCaller.AuthenticateAsync(http, tokens);
        if (error is not null)
        {
            return error;
        }
        if (!TryParseWatermark(watermark, out var after))
        {
            return DirectLineError.BadArgument("watermark must be a non-negative integer.");
        }
        var (conversation, openError) = await caller!.OpenConversationAsync(conversationId, conversations, http.RequestAborted);
        if (openError is not null)
        {
            return openError;
        }

        var stored = await store.GetActivitiesAsync(conversation!.Id, after ?? 0, MaxActivitiesPerRead, http.RequestAborted);
        var newWatermark = stored.Count > 0 ? stored[^1].Sequence : after ?? 0;
        return Results.Ok(new ActivitySet(view.Present(stored.Select(s => s.Activity)), newWatermark.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>The whole multipart body of an upload: the files, the activity part and room for the multipart framing.</summary>
    private static long UploadBodyLimit(DirectLineOptions options) => (long)options.MaxUploadBytes + options.MaxRequestBytes + 64 * 1024;

    /// <summary>Reads the body up to the limit; more is 413 without reading the rest into memory.</summary>
    private static async Task<(byte[]? Body, IResult? Error)> ReadBodyAsync(HttpRequest request, int limit)
    {
        if (request.ContentLength > limit)
        {
            return (null, DirectLineError.TooBig($"The request body is larger than {limit} bytes."));
        }
        var writer = new ArrayBufferWriter<byte>();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (writer.WrittenCount + read > limit)
            {
                return (null, DirectLineError.TooBig($"The request body is larger than {limit} bytes."));
            }
            writer.Write(chunk.AsSpan(0, read));
        }
        return writer.WrittenCount == 0
            ? (null, DirectLineError.MissingProperty("The request body is empty: send an activity as JSON."))
            : (writer.WrittenMemory.ToArray(), null);
    }

    private static (Activity? Activity, IResult? Error) ParseActivity(byte[] body, DirectLineOptions options)
    {
        Activity? activity;
        try
        {
            activity = JsonSerializer.Deserialize<Activity>(body, ActivityJson.Options);
        }
        catch (JsonException ex)
        {
            return (null, DirectLineError.BadSyntax($"The body is not a valid activity: {ex.Message}"));
        }
        if (activity is null)
        {
            return (null, DirectLineError.BadSyntax("The body must be a JSON object (an activity)."));
        }
        if (string.IsNullOrWhiteSpace(activity.Type))
        {
            return (null, DirectLineError.MissingProperty("The activity has no 'type'."));
        }
        if (activity.Text is { Length: var length } && length > options.MaxMessageLength)
        {
            return (null, DirectLineError.TooBig($"The message is {length} characters long; the limit is {options.MaxMessageLength}."));
        }
        return (activity, null);
    }

    /// <summary>The sender is whoever the token says (a bound identity cannot be spoofed); clients may only name a guest id.</summary>
    private static void BindSender(Activity activity, DirectLineCaller caller)
    {
        activity.From ??= new ChannelAccount();
        activity.From.Role = RoleTypes.User;
        if (caller.Grant?.UserId is { } bound)
        {
            activity.From.Id = bound;
        }
        else if (string.IsNullOrWhiteSpace(activity.From.Id) || activity.From.Id.Length > 256)
        {
            activity.From.Id = "guest";
        }
        activity.Id = null;
        activity.Timestamp = null;
    }

    private static bool TryParseWatermark(string? watermark, out long? value)
    {
        value = null;
        if (string.IsNullOrEmpty(watermark) || watermark == "null" || watermark == "undefined")
        {
            return true;
        }
        if (long.TryParse(watermark, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
        {
            value = parsed;
            return true;
        }
        return false;
    }

    private static TokenResponse NewTokenResponse(DirectLineTokens tokens, string conversationId, string? userId) =>
        new(conversationId, tokens.Issue(conversationId, userId), (int)tokens.Lifetime.TotalSeconds);

    private static string NewConversationId() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string StreamUrl(HttpContext http, string conversationId, string token, long? watermark)
    {
        var scheme = http.Request.IsHttps ? "wss" : "ws";
        var url = $"{scheme}://{http.Request.Host}{http.Request.PathBase}/v3/directline/conversations/{Uri.EscapeDataString(conversationId)}/stream?t={Uri.EscapeDataString(token)}";
        return watermark is null ? url : $"{url}&watermark={watermark}";
    }

    public sealed record TokenResponse(
        [property: JsonPropertyName("conversationId")] string ConversationId,
        [property: JsonPropertyName("token")] string Token,
        [property: JsonPropertyName("expires_in")] int ExpiresIn);

    public sealed record ConversationResponse(
        [property: JsonPropertyName("conversationId")] string ConversationId,
        [property: JsonPropertyName("token")] string Token,
        [property: JsonPropertyName("expires_in")] int ExpiresIn,
        [property: JsonPropertyName("streamUrl")] string StreamUrl);

    public sealed record ResourceResponse([property: JsonPropertyName("id")] string Id);

    public sealed record ActivitySet(
        [property: JsonPropertyName("activities")] IReadOnlyList<Activity> Activities,
        [property: JsonPropertyName("watermark")] string Watermark);
}
