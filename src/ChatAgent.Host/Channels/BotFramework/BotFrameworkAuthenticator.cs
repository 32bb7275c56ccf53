using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace ChatAgent.Host.Channels.BotFramework;

/// <summary>The caller of <c>/api/messages</c> once its token checked out (or, without an app id, once it proved to be local).</summary>
public sealed record BotFrameworkCaller(string? ServiceUrlClaim);

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
                result = await _handler.ValidateTokenAsync(token, Parameters(await _metadata.GetConfigurationAsync(ct)));
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
        return (new BotFrameworkCaller(serviceUrl), null);
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
