using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace ChatAgent.Host.Channels.DirectLine;

public static class DirectLineExtensions
{
    public const string CorsPolicy = "directline-cors";

    /// <summary>Registers the Direct Line channel: options (validated at start-up), tokens and per-conversation rate limits.</summary>
    public static IServiceCollection AddDirectLine(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DirectLineOptions>().Bind(configuration.GetSection(DirectLineOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DirectLineTokens>();

        // The widget and Web Chat run on the shop's own site and call this host from that origin. Credentials are
        // bearer tokens, never cookies, so allowing the configured origins exposes nothing a token does not already grant.
        var origins = configuration.GetSection($"{DirectLineOptions.Section}:{nameof(DirectLineOptions.AllowedOrigins)}").Get<string[]>() ?? ["*"];
        services.AddCors(cors => cors.AddPolicy(CorsPolicy, policy =>
        {
            if (origins.Contains("*"))
            {
                policy.AllowAnyOrigin();
            }
            else
            {
                policy.WithOrigins(origins);
            }
            policy.AllowAnyHeader().AllowAnyMethod().WithExposedHeaders("Retry-After");
        }));

        var perMinute = configuration.GetSection(DirectLineOptions.Section).Get<DirectLineOptions>()?.MessagesPerMinute ?? new DirectLineOptions().MessagesPerMinute;
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(DirectLineApi.ActivitiesRateLimitPolicy, http => RateLimitPartition.GetTokenBucketLimiter(
                http.Request.RouteValues["conversationId"]?.ToString() ?? string.Empty,
                _ => MessageRateLimit(perMinute)));
            limiter.OnRejected = async (context, ct) =>
            {
                var retryAfter = RetryAfterSeconds(context.Lease);
                context.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                await context.HttpContext.Response.WriteAsJsonAsync(
                    new DirectLineError(new DirectLineErrorDetail("TooManyRequests", $"Too many messages; retry after {retryAfter} s.")), ct);
            };
        });
        return services;
    }

    /// <summary>
    /// The per-conversation message budget (<c>DirectLine:MessagesPerMinute</c>, a token bucket that allows a burst of
    /// that size); every channel that accepts customer messages limits them with this one shape.
    /// </summary>
    public static TokenBucketRateLimiterOptions MessageRateLimit(int messagesPerMinute) => new()
    {
        TokenLimit = Math.Max(1, messagesPerMinute),
        TokensPerPeriod = 1,
        ReplenishmentPeriod = TimeSpan.FromMinutes(1.0 / Math.Max(1, messagesPerMinute)),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    /// <summary>The whole seconds a refused caller should wait (the <c>Retry-After</c> value), at least 1.</summary>
    public static int RetryAfterSeconds(RateLimitLease refused) =>
        Math.Max(1, (int)Math.Ceiling((refused.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1)).TotalSeconds));
}
