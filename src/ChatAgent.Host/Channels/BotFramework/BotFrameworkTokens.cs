using System.Net.Http.Headers;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace ChatAgent.Host.Channels.BotFramework;

/// <summary>
/// The bot's own token for calls to a channel's serviceUrl: OAuth client credentials (app id + password) at the
/// configured token endpoint, kept until shortly before it expires. Hand-written because MSAL is not needed for one
/// form post and the Bot Framework connector SDK does not restore here.
/// </summary>
public sealed class BotFrameworkTokens(IHttpClientFactory httpClients, IOptions<BotFrameworkOptions> options, TimeProvider clock, ILogger<BotFrameworkTokens> logger)
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private (string Token, DateTimeOffset RenewAt)? _current;

    /// <summary>A valid access token, or null when authentication is off (the Emulator needs none).</summary>
    public async Task<string?> GetTokenAsync(CancellationToken ct)
    {
        var settings = options.Value;
        if (!settings.AuthenticationEnabled)
        {
            return null;
        }
        if (_current is { } cached && clock.GetUtcNow() < cached.RenewAt)
        {
            return cached.Token;
        }

        await _refresh.WaitAsync(ct);
        try
        {
            if (_current is { } again && clock.GetUtcNow() < again.RenewAt)
            {
                return again.Token;
            }
            using var request = new HttpRequestMessage(HttpMethod.Post, settings.EffectiveTokenEndpoint)
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "client_credentials",
                    ["client_id"] = settings.AppId!,
                    ["client_secret"] = settings.AppPassword ?? string.Empty,
                    ["scope"] = settings.OAuthScope,
                }),
            };
            using var response = await httpClients.CreateClient(BotFrameworkExtensions.TokenClient).SendAsync(request, ct);
            if (!response.IsSuccessStatusCode)
            {
                logger.LogError("The token endpoint {Endpoint} refused the bot's credentials with {Status}", settings.EffectiveTokenEndpoint, (int)response.StatusCode);
                throw new HttpRequestException($"The token endpoint answered {(int)response.StatusCode}.", null, response.StatusCode);
            }
            var body = await response.Content.ReadFromJsonAsync<TokenResponse>(ct);
            if (string.IsNullOrEmpty(body?.AccessToken))
            {
                throw new HttpRequestException("The token endpoint's answer has no access_token.");
            }
            var lifetime = TimeSpan.FromSeconds(body.ExpiresIn is > 0 ? body.ExpiresIn.Value : 3600);
            var margin = TimeSpan.FromSeconds(Math.Min(settings.TokenRefreshMarginSeconds, lifetime.TotalSeconds / 2));
            _current = (body.AccessToken, clock.GetUtcNow() + lifetime - margin);
            return body.AccessToken;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string? AccessToken,
        [property: JsonPropertyName("expires_in"), JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)] int? ExpiresIn);
}

/// <summary>Puts the bot's token on every attempt of a call to a channel (inside the retries, so a renewed token is used).</summary>
public sealed class BotFrameworkTokenHandler(BotFrameworkTokens tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = await tokens.GetTokenAsync(cancellationToken);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return await base.SendAsync(request, cancellationToken);
    }
}
