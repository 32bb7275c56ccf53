using ChatAgent.Conversations.Service;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace ChatAgent.Host.Channels.BotFramework;

public static class BotFrameworkExtensions
{
    internal const string ConnectorClient = "BotFramework.Connector";
    internal const string TokenClient = "BotFramework.Token";
    internal const string MetadataClient = "BotFramework.OpenIdMetadata";

    /// <summary>
    /// Registers the Bot Framework channel: options (root <c>MicrosoftAppId</c>/<c>MicrosoftAppPassword</c>/<c>MicrosoftAppTenantId</c>
    /// plus the <c>BotFramework</c> section, validated at start-up), inbound token checks, the outbound token cache and
    /// the connector that posts replies to channels with retries.
    /// </summary>
    public static IServiceCollection AddBotFrameworkChannel(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BotFrameworkOptions>()
            .Bind(configuration.GetSection(BotFrameworkOptions.Section))
            .Configure(o =>
            {
                o.AppId = configuration[BotFrameworkOptions.AppIdKey];
                o.AppPassword = configuration[BotFrameworkOptions.AppPasswordKey];
                o.AppTenantId = configuration[BotFrameworkOptions.AppTenantIdKey];
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddHostedService<BotFrameworkStartupCheck>();
        services.AddSingleton<BotFrameworkAuthenticator>();
        services.AddSingleton<BotFrameworkTokens>();
        services.AddSingleton<BotFrameworkConnector>();
        services.AddSingleton<BotFrameworkRateLimiter>();
        services.AddSingleton<IBotFrameworkInvokeHandler, HealthCheckInvokeHandler>();
        services.AddSingleton<IOutboundChannel>(sp => sp.GetRequiredService<BotFrameworkConnector>());
        services.AddTransient<BotFrameworkTokenHandler>();

        services.AddHttpClient(MetadataClient, c => c.Timeout = TimeSpan.FromSeconds(30));
        services.AddHttpClient(TokenClient, c => c.Timeout = TimeSpan.FromSeconds(30));
        var connector = services.AddHttpClient(ConnectorClient, c => c.Timeout = Timeout.InfiniteTimeSpan);
        // Handlers run in the order added: retries outside, the token inside, so every attempt carries a current token.
        connector.AddResilienceHandler("bot-framework-replies", (pipeline, context) =>
            {
                var settings = context.ServiceProvider.GetRequiredService<IOptions<BotFrameworkOptions>>().Value;
                pipeline.AddTimeout(TimeSpan.FromSeconds(settings.AttemptTimeoutSeconds * (settings.MaxRetryAttempts + 1) + 60));
                // Only 429, 5xx and failures to connect are retried (Retry-After honoured); a 4xx is final.
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = Math.Max(1, settings.MaxRetryAttempts),
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = TimeSpan.FromMilliseconds(settings.RetryBaseDelayMilliseconds),
                    MaxDelay = TimeSpan.FromSeconds(60),
                    ShouldRetryAfterHeader = true,
                    ShouldHandle = settings.MaxRetryAttempts == 0
                        ? _ => PredicateResult.False()
                        : args => ValueTask.FromResult(HttpClientResiliencePredicates.IsTransient(args.Outcome)),
                });
                pipeline.AddTimeout(TimeSpan.FromSeconds(settings.AttemptTimeoutSeconds));
            });
        connector.AddHttpMessageHandler<BotFrameworkTokenHandler>();
        return services;
    }

    private sealed class BotFrameworkStartupCheck(IOptions<BotFrameworkOptions> options, ILogger<BotFrameworkStartupCheck> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (!options.Value.AuthenticationEnabled)
            {
                logger.LogWarning("Bot Framework channel: {AppIdKey} is not set, so /api/messages does not check tokens and accepts callers on this machine only (the Bot Framework Emulator). Set {AppIdKey} and {AppPasswordKey} before exposing it to Azure Bot Service.",
                    BotFrameworkOptions.AppIdKey, BotFrameworkOptions.AppIdKey, BotFrameworkOptions.AppPasswordKey);
            }
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
