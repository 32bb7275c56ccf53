using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatAgent.BotFramework.Tests;

/// <summary>One activity the bot posted to the channel's serviceUrl.</summary>
public sealed record ChannelDelivery(string Path, Activity Activity, string? Authorization);

/// <summary>
/// A Bot Framework channel on 127.0.0.1: it signs the tokens it sends to the bot with its own RSA key, publishes
/// that key through OpenID metadata + JWKS, runs the OAuth token endpoint the bot gets its outbound token from,
/// and records what the bot posts to its serviceUrl (optionally refusing the next posts with 429).
/// </summary>
public sealed class FakeBotFrameworkChannel : IAsyncDisposable
{
    public const string Issuer = "https://api.botframework.test";
    public const string AccessToken = "fake-channel-access-token";
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly RSA _webChatRsa = RSA.Create(2048);
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ChannelDelivery> _deliveries = new();
    private int _tokenRequests;
    private int _postAttempts;
    private int _refuseNext;

    private FakeBotFrameworkChannel(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
        SigningKey = new RsaSecurityKey(_rsa) { KeyId = "fake-channel-key" };
        WebChatSigningKey = new RsaSecurityKey(_webChatRsa) { KeyId = "fake-webchat-key" };
    }

    /// <summary>The channels <see cref="SigningKey"/> is endorsed for in the published key set.</summary>
    public static readonly string[] Endorsements = ["msteams", "slack", "emulator", "webchat"];

    public string BaseUrl { get; }
    public string MetadataUrl => BaseUrl + "/.well-known/openidconfiguration";
    public string TokenEndpoint => BaseUrl + "/oauth2/token";
    public string ServiceUrl => ServiceUrlNamed("channel");
    /// <summary>Another serviceUrl of this channel (channels move conversations between them).</summary>
    public string ServiceUrlNamed(string name) => $"{BaseUrl}/{name}/";
    public RsaSecurityKey SigningKey { get; }
    /// <summary>A published key endorsed for <c>webchat</c> only.</summary>
    public RsaSecurityKey WebChatSigningKey { get; }
    public int TokenRequests => Volatile.Read(ref _tokenRequests);
    public int PostAttempts => Volatile.Read(ref _postAttempts);
    public IReadOnlyList<ChannelDelivery> Deliveries => [.. _deliveries];

    /// <summary>The next <paramref name="count"/> posts to the serviceUrl get 429 with <c>Retry-After: 1</c>.</summary>
    public void RefuseNextPosts(int count) => Volatile.Write(ref _refuseNext, count);

    public static async Task<FakeBotFrameworkChannel> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        FakeBotFrameworkChannel? channel = null;
        app.MapGet("/.well-known/openidconfiguration", () => Results.Json(new JsonObject
        {
            ["issuer"] = Issuer,
            ["jwks_uri"] = channel!.BaseUrl + "/keys",
            ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
        }));
        app.MapGet("/keys", () => channel!.Jwks());
        app.MapPost("/oauth2/token", async (HttpRequest request) =>
        {
            Interlocked.Increment(ref channel!._tokenRequests);
            var form = await request.ReadFormAsync();
            return form["grant_type"] == "client_credentials" && form["client_id"] == BotFrameworkFixture.AppId && form["client_secret"] == BotFrameworkFixture.AppPassword
                ? Results.Json(new JsonObject { ["token_type"] = "Bearer", ["expires_in"] = 3600, ["access_token"] = AccessToken })
                : Results.Json(new JsonObject { ["error"] = "invalid_client" }, statusCode: 401);
        });
        app.MapPost("/{serviceUrl}/v3/conversations/{conversationId}/activities/{replyToId?}", async (HttpContext http) =>
        {
            Interlocked.Increment(ref channel!._postAttempts);
            if (Interlocked.Decrement(ref channel._refuseNext) >= 0)
            {
                http.Response.Headers.RetryAfter = "1";
                return Results.StatusCode(429);
            }
            var activity = await JsonSerializer.DeserializeAsync<Activity>(http.Request.Body, ActivityJson.Options);
            // The raw target, so the test sees how the bot escaped the conversation id.
            var path = http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget;
            channel._deliveries.Enqueue(new ChannelDelivery(path, activity!, http.Request.Headers.Authorization.ToString()));
            return Results.Json(new JsonObject { ["id"] = Guid.NewGuid().ToString("N") });
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        channel = new FakeBotFrameworkChannel(app, address);
        return channel;
    }

    private IResult Jwks()
    {
        return Results.Json(new JsonObject
        {
            ["keys"] = new JsonArray(
                Jwk(_rsa, SigningKey.KeyId, Endorsements),
                Jwk(_webChatRsa, WebChatSigningKey.KeyId, ["webchat"])),
        });
    }

    /// <summary>A key as Bot Framework publishes it: a JWK plus the channels it may sign for.</summary>
    private static JsonObject Jwk(RSA rsa, string keyId, string[] endorsements)
    {
        var key = rsa.ExportParameters(false);
        return new JsonObject
        {
            ["kty"] = "RSA",
            ["use"] = "sig",
            ["alg"] = "RS256",
            ["kid"] = keyId,
            ["n"] = Base64UrlEncoder.Encode(key.Modulus),
            ["e"] = Base64UrlEncoder.Encode(key.Exponent),
            ["endorsements"] = new JsonArray([.. endorsements.Select(e => (JsonNode)e)]),
        };
    }

    /// <summary>A token as the channel sends it to the bot; every part can be made wrong for the refusal tests.</summary>
    public string CreateToken(string audience, TimeSpan? expiresIn = null, SecurityKey? signWith = null, string issuer = Issuer, string? serviceUrl = null)
    {
        var expires = DateTime.UtcNow + (expiresIn ?? TimeSpan.FromMinutes(30));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = expires.AddHours(-1),
            NotBefore = expires.AddHours(-1),
            Expires = expires,
            Claims = new Dictionary<string, object> { ["serviceurl"] = serviceUrl ?? ServiceUrl },
            SigningCredentials = new SigningCredentials(signWith ?? SigningKey, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>Posts an activity to the bot's /api/messages as this channel would.</summary>
    public static async Task<HttpResponseMessage> PostAsync(string botUrl, object activity, string? token)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using var request = new HttpRequestMessage(HttpMethod.Post, botUrl.TrimEnd('/') + "/api/messages")
        {
            Content = new StringContent(JsonSerializer.Serialize(activity, ActivityJson.Options), System.Text.Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    /// <summary>Posts any body (broken JSON too) to the bot's /api/messages with a token.</summary>
    public static async Task<HttpResponseMessage> PostRawAsync(string botUrl, string body, string? token)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using var request = new HttpRequestMessage(HttpMethod.Post, botUrl.TrimEnd('/') + "/api/messages")
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    /// <summary>Waits for deliveries to a conversation until <paramref name="count"/> have arrived.</summary>
    public async Task<IReadOnlyList<ChannelDelivery>> WaitForDeliveriesAsync(string conversationId, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var found = For(conversationId);
            if (found.Count >= count || DateTime.UtcNow > deadline)
            {
                return found;
            }
            await Task.Delay(25);
        }
    }

    public IReadOnlyList<ChannelDelivery> For(string conversationId) =>
        Deliveries.Where(d => d.Activity.Conversation?.Id == conversationId).ToList();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _rsa.Dispose();
        _webChatRsa.Dispose();
    }
}
