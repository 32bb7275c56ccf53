using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChatAgent.Host.Channels.DirectLine;

/// <summary>What a valid token grants: one conversation, and the customer identity the shop vouched for (if any).</summary>
public sealed record TokenGrant(string ConversationId, string? UserId, DateTimeOffset ExpiresAt);

public enum TokenCheck { Valid, Invalid, Expired }

/// <summary>
/// Issues and checks Direct Line tokens: HMAC-signed JWTs bound to one conversation, with an expiry. The signing
/// key is derived from the secret, so the secret itself never travels in a token.
/// </summary>
public sealed class DirectLineTokens
{
    private const string Issuer = "chatagent-directline";

    /// <summary>The file under the data folder that holds the generated secret when <c>DirectLine:Secret</c> is empty.</summary>
    public const string GeneratedSecretFile = "directline-secret";
    private const string ConversationClaim = "conv";
    private const string UserClaim = "uid";
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly SymmetricSecurityKey _key;
    private readonly byte[] _secret;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _clock;

    public DirectLineTokens(IOptions<DirectLineOptions> options, TimeProvider clock, ILogger<DirectLineTokens> logger, Hosting.DataFolder? data = null)
    {
        var secret = options.Value.Secret;
        if (string.IsNullOrEmpty(secret) && data is null)
        {
            secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        }
        else if (string.IsNullOrEmpty(secret) && data is not null)
        {
            // Generated once and kept under the data folder, so a restart keeps every conversation's token valid.
            secret = data.ReadOrCreateSecret(GeneratedSecretFile, out var created);
            if (created)
            {
                logger.LogInformation("DirectLine:Secret is empty: generated one in {File}; your shop's backend can use it for tokens/generate.", Path.Combine(data.Path, GeneratedSecretFile));
            }
        }
        _secret = Encoding.UTF8.GetBytes(secret);
        _key = new SymmetricSecurityKey(HMACSHA256.HashData(_secret, "chatagent.directline.token-signing.v1"u8));
        _lifetime = TimeSpan.FromMinutes(options.Value.TokenLifetimeMinutes);
        _clock = clock;
    }

    public TimeSpan Lifetime => _lifetime;

    public bool IsSecret(string candidate) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(candidate), _secret);

    public string Issue(string conversationId, string? userId)
    {
        var now = _clock.GetUtcNow();
        var claims = new Dictionary<string, object> { [ConversationClaim] = conversationId };
        if (userId is not null)
        {
            claims[UserClaim] = userId;
        }
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Issuer,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime.AddSeconds(-5),
            Expires = now.Add(_lifetime).UtcDateTime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
        });
    }

    public async Task<(TokenCheck Check, TokenGrant? Grant)> ValidateAsync(string token)
    {
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Issuer,
            IssuerSigningKey = _key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ClockSkew = TimeSpan.Zero,
            LifetimeValidator = (notBefore, expires, _, _) =>
                expires is not null && expires.Value > _clock.GetUtcNow().UtcDateTime && (notBefore is null || notBefore.Value <= _clock.GetUtcNow().UtcDateTime),
        });
        if (!result.IsValid)
        {
            return (result.Exception is SecurityTokenInvalidLifetimeException or SecurityTokenExpiredException ? TokenCheck.Expired : TokenCheck.Invalid, null);
        }
        var conversation = result.Claims.TryGetValue(ConversationClaim, out var c) ? c as string : null;
        if (string.IsNullOrEmpty(conversation))
        {
            return (TokenCheck.Invalid, null);
        }
        var user = result.Claims.TryGetValue(UserClaim, out var u) ? u as string : null;
        var expires = ((JsonWebToken)result.SecurityToken).ValidTo;
        return (TokenCheck.Valid, new TokenGrant(conversation, user, new DateTimeOffset(expires, TimeSpan.Zero)));
    }
}
