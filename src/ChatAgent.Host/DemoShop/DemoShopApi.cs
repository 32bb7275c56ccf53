using System.Threading.RateLimiting;
using ChatAgent.Host.Channels.DirectLine;
using Microsoft.AspNetCore.RateLimiting;

namespace ChatAgent.Host.DemoShop;

/// <summary>
/// The demo shop page's backend: <c>POST /demo/token</c> hands the widget a Direct Line token for a new
/// conversation, the way a shop's own backend would — so the page never sees the secret.
/// </summary>
public static class DemoShopApi
{
    private const string TokenRateLimitPolicy = "demo-token";

    public static IServiceCollection AddDemoShop(this IServiceCollection services) =>
        services.Configure<RateLimiterOptions>(limiter => limiter.AddPolicy(TokenRateLimitPolicy, http =>
            RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 30, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 })));

    public static IEndpointRouteBuilder MapDemoShop(this IEndpointRouteBuilder app)
    {
        app.MapPost("/demo/token", (DirectLineTokens tokens) =>
            {
                var conversationId = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
                return Results.Ok(new DirectLineApi.TokenResponse(conversationId, tokens.Issue(conversationId, null), (int)tokens.Lifetime.TotalSeconds));
            })
            .WithName("DemoShopToken")
            .WithSummary("A Direct Line token for a new anonymous conversation (the demo page's token endpoint).")
            .RequireRateLimiting(TokenRateLimitPolicy)
            .RequireCors(DirectLineExtensions.CorsPolicy);
        return app;
    }
}
