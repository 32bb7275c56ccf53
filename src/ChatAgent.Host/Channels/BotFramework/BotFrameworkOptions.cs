using System.ComponentModel.DataAnnotations;
using System.Net;

namespace ChatAgent.Host.Channels.BotFramework;

/// <summary>
/// The Bot Framework channel's settings: the bot's identity at the root of the configuration, as Bot Framework
/// names it (<c>MicrosoftAppId</c>, <c>MicrosoftAppPassword</c>, <c>MicrosoftAppTenantId</c>), the rest in the
/// <c>BotFramework</c> section.
/// </summary>
public sealed class BotFrameworkOptions : IValidatableObject
{
    public const string Section = "BotFramework";
    public const string AppIdKey = "MicrosoftAppId";
    public const string AppPasswordKey = "MicrosoftAppPassword";
    public const string AppTenantIdKey = "MicrosoftAppTenantId";

    /// <summary>The bot's app id (the audience of inbound tokens, the client id of outbound ones). Empty: authentication off, loopback callers only (the Emulator).</summary>
    public string? AppId { get; set; }

    /// <summary>The bot's app password (client secret) for outbound tokens.</summary>
    public string? AppPassword { get; set; }

    /// <summary>A single-tenant bot's tenant: outbound tokens come from that tenant and its issuers are accepted.</summary>
    public string? AppTenantId { get; set; }

    /// <summary>Where the channel's signing keys are published (OpenID metadata with a <c>jwks_uri</c>).</summary>
    [Required]
    public string OpenIdMetadataUrl { get; set; } = "https://login.botframework.com/v1/.well-known/openidconfiguration";

    /// <summary>Issuers whose tokens are accepted; empty means Bot Framework's own (plus the tenant's when one is set).</summary>
    public List<string> ValidIssuers { get; set; } = [];

    /// <summary>The OAuth token endpoint for outbound calls; empty means Microsoft Entra ID for the tenant (or <c>botframework.com</c>).</summary>
    public string? TokenEndpoint { get; set; }

    /// <summary>The scope requested for outbound tokens.</summary>
    [Required]
    public string OAuthScope { get; set; } = "https://api.botframework.com/.default";

    /// <summary>Tolerated clock difference when checking token lifetimes.</summary>
    [Range(0, 3600)]
    public int ClockSkewSeconds { get; set; } = 300;

    /// <summary>An outbound token is renewed this long before it expires.</summary>
    [Range(0, 3600)]
    public int TokenRefreshMarginSeconds { get; set; } = 300;

    /// <summary>Retries of a reply the channel refused with 429 or 5xx (or could not be reached).</summary>
    [Range(0, 20)]
    public int MaxRetryAttempts { get; set; } = 5;

    /// <summary>The first retry's delay; later ones back off exponentially (with jitter). A <c>Retry-After</c> from the channel wins.</summary>
    [Range(1, 60_000)]
    public int RetryBaseDelayMilliseconds { get; set; } = 1000;

    /// <summary>One attempt to post a reply is abandoned after this long.</summary>
    [Range(1, 600)]
    public int AttemptTimeoutSeconds { get; set; } = 20;

    /// <summary>How long an <c>expectReplies</c> request waits for the bot's turn to finish.</summary>
    [Range(1, 3600)]
    public int ExpectRepliesTimeoutSeconds { get; set; } = 60;

    /// <summary>The largest activity body accepted on <c>/api/messages</c> (bytes).</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxRequestBytes { get; set; } = 256 * 1024;

    /// <summary>The bot's first words when a customer joins a conversation.</summary>
    [Required]
    public string Greeting { get; set; } = "Hello! I'm the shop assistant. Ask me about your orders, deliveries or returns.";

    /// <summary>True when inbound tokens are checked and outbound calls carry a token.</summary>
    public bool AuthenticationEnabled => !string.IsNullOrWhiteSpace(AppId);

    public IReadOnlyList<string> EffectiveIssuers => ValidIssuers.Count > 0
        ? ValidIssuers
        : string.IsNullOrWhiteSpace(AppTenantId)
            ? ["https://api.botframework.com"]
            : ["https://api.botframework.com", $"https://sts.windows.net/{AppTenantId}/", $"https://login.microsoftonline.com/{AppTenantId}/v2.0"];

    public Uri EffectiveTokenEndpoint => new(string.IsNullOrWhiteSpace(TokenEndpoint)
        ? $"https://login.microsoftonline.com/{(string.IsNullOrWhiteSpace(AppTenantId) ? "botframework.com" : AppTenantId)}/oauth2/v2.0/token"
        : TokenEndpoint);

    /// <summary>Plain HTTP only to this machine (tests, a local issuer); anything else must be HTTPS.</summary>
    public static bool IsAllowedUrl(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && IsLoopbackHost(uri)));

    public static bool IsLoopbackHost(Uri uri) => uri.IsLoopback || (IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AuthenticationEnabled && string.IsNullOrWhiteSpace(AppPassword))
        {
            yield return new ValidationResult($"{AppPasswordKey} is required when {AppIdKey} is set (outbound calls need a token).", [nameof(AppPassword)]);
        }
        if (!IsAllowedUrl(OpenIdMetadataUrl))
        {
            yield return new ValidationResult($"{Section}:OpenIdMetadataUrl must be an absolute https URL (http only on loopback).", [nameof(OpenIdMetadataUrl)]);
        }
        if (!string.IsNullOrWhiteSpace(TokenEndpoint) && !IsAllowedUrl(TokenEndpoint))
        {
            yield return new ValidationResult($"{Section}:TokenEndpoint must be an absolute https URL (http only on loopback).", [nameof(TokenEndpoint)]);
        }
        if (ValidIssuers.Any(string.IsNullOrWhiteSpace))
        {
            yield return new ValidationResult($"{Section}:ValidIssuers must not contain empty entries.", [nameof(ValidIssuers)]);
        }
    }
}
