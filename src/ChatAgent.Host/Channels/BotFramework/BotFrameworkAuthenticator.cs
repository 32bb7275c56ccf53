using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace ChatAgent.Host.Channels.BotFramework;

/// <summary>The caller of <c>/api/messages</c> once its token checked out (or, without an app id, once it proved to be local).</summary>
/// <param name="ServiceUrlClaim">The <c>serviceurl</c> claim the channel signed, if any.</param>
/// <param name="Endorsements">
/// The channels the token's signing key is endorsed for (the key's <c>endorsements</c> in the published key set);
/// null when the key lists none, which Bot Framework reads as unrestricted.
/// </param>
public sealed record BotFrameworkCaller(string? ServiceUrlClaim, IReadOnlyList<string>? Endorsements = null)
{
    /// <summary>
    /// Bot Framework's endorsement rule: a key that lists endorsements may only sign activities of those channels,
    /// so a key issued for one channel (say, Web Chat) cannot vouch for a message claiming to come from Teams.
    /// </summary>
    public bool IsEndorsedFor(string channelId) =>
        Endorsements is null || Endorsements.Contains(channelId, StringComparer.OrdinalIgnoreCase);
}

/// <summary>
/// Checks the <c>Authorization: Bearer</c> JWT a Bot Framework channel sends: signed by a key from the channel's
/// OpenID metadata, issued by a trusted issuer, for this bot's app id, not expired (within the clock skew).
/// Done with IdentityModel directly rather than ASP.NET Core's JwtBearer scheme so each failure can be answered in
/// Bot Framework's error shape and the activity's serviceUrl can be checked against the token's claim.
/// </summary>
public sealed class BotFrameworkAuthenticator
{
    private readonly BotFrameworkOptions _options;
    private readonly ConfigurationManager<OpenIdConnectConfiguration>? _metadata;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly ILogger<BotFrameworkAuthenticator> _logger;

    public BotFrameworkAuthenticator(IOptions<BotFrameworkOptions> options, IHttpClientFactory httpClients, ILogger<BotFrameworkAuthenticator> logger)
    {
        _options = options.Value;
        _logger = logger;
        if (_options.AuthenticationEnabled)
        {
            var metadataUrl = new Uri(_options.OpenIdMetadataUrl);
            var retriever = new HttpDocumentRetriever(httpClients.CreateClient(BotFrameworkExtensions.MetadataClient))
            {
                RequireHttps = metadataUrl.Scheme == Uri.UriSchemeHttps,
            };
            _metadata = new ConfigurationManager<OpenIdConnectConfiguration>(_options.OpenIdMetadataUrl, new OpenIdConnectConfigurationRetriever(), retriever);
        }
    }

    /// <returns>The caller, or an error to answer with 401.</returns>
    public async Task<(BotFrameworkCaller? Caller, string? Error)> AuthenticateAsync(HttpContext http, CancellationToken ct)
    {
        if (_metadata is null)
        {
            var remote = http.Connection.RemoteIpAddress;
            return remote is not null && IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote)
                ? (new BotFrameworkCaller(null), null)
                : (null, $"This bot has no {BotFrameworkOptions.AppIdKey} configured, so authentication is off and only callers on this machine (the Bot Framework Emulator) are accepted.");
        }

        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= "Bearer ".Length)
        {
            return (null, "An Authorization: Bearer token from the Bot Framework channel is required.");
        }
        var token = header["Bearer ".Length..].Trim();

        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await _metadata.GetConfigurationAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogError(ex, "Could not read the Bot Framework OpenID metadata at {MetadataUrl}", _options.OpenIdMetadataUrl);
            return (null, "The channel's signing keys could not be loaded, so the token cannot be checked.");
        }

        var result = await _handler.ValidateTokenAsync(token, Parameters(configuration));
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            // Keys roll over: fetch the metadata again once before calling the signature bad.
            _metadata.RequestRefresh();
            try
            {
                configuration = await _metadata.GetConfigurationAsync(ct);
                result = await _handler.ValidateTokenAsync(token, Parameters(configuration));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogError(ex, "Could not refresh the Bot Framework OpenID metadata at {MetadataUrl}", _options.OpenIdMetadataUrl);
            }
        }
        if (!result.IsValid)
        {
            _logger.LogWarning("Refused a Bot Framework request: {Reason}", result.Exception?.GetType().Name ?? "invalid token");
            return (null, Describe(result.Exception));
        }

        var serviceUrl = result.Claims.TryGetValue("serviceurl", out var claim) ? claim as string : null;
        var keyId = (result.SecurityToken as JsonWebToken)?.Kid;
        var key = configuration.JsonWebKeySet?.Keys.FirstOrDefault(k => k.Kid == keyId);
        return (new BotFrameworkCaller(serviceUrl, Endorsements(key)), null);
    }

    /// <summary>The key's <c>endorsements</c> member (not part of JWK, so IdentityModel keeps it as additional data).</summary>
    private static IReadOnlyList<string>? Endorsements(JsonWebKey? key)
    {
        if (key is null || !key.AdditionalData.TryGetValue("endorsements", out var value) || value is null)
        {
            return null;
        }
        return value switch
        {
            JsonElement { ValueKind: JsonValueKind.Array } array => array.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList(),
            string single => [single],
            System.Collections.IEnumerable items => items.Cast<object?>().Select(i => i?.ToString()).OfType<string>().ToList(),
            // An endorsements member of an unexpected shape endorses nothing: refusing is the safe reading.
            _ => [],
        };
    }

    private TokenValidationParameters Parameters(OpenIdConnectConfiguration configuration) => new()
    {
        ValidateIssuer = true,
        ValidIssuers = _options.EffectiveIssuers,
        ValidateAudience = true,
        ValidAudience = _options.AppId,
        ValidateLifetime = true,
        RequireExpirationTime = true,
        ClockSkew = TimeSpan.FromSeconds(_options.ClockSkewSeconds),
        ValidateIssuerSigningKey = true,
        RequireSignedTokens = true,
        IssuerSigningKeys = configuration.SigningKeys,
    };

    private static string Describe(Exception? error) => error switch
    {
        SecurityTokenExpiredException => "The token has expired.",
        SecurityTokenNotYetValidException => "The token is not valid yet.",
        SecurityTokenInvalidAudienceException => "The token was issued for another bot (its audience is not this bot's app id).",
        SecurityTokenInvalidIssuerException => "The token's issuer is not trusted.",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "The token's signature does not match the channel's published signing keys.",
        SecurityTokenMalformedException => "The token is not a well-formed JWT.",
        _ => "The token is not valid.",
    };
}
