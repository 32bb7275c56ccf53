using ChatAgent.Conversations.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatAgent.Conversations.Service;

public static class ConversationServiceExtensions
{
    /// <summary>
    /// Registers the conversation store, the conversation service, the turn scheduler and — unless another
    /// <see cref="IBot"/> is registered — the built-in <see cref="SimpleBot"/>.
    /// </summary>
    public static IServiceCollection AddConversations(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddOptions<ConversationOptions>().Bind(configuration.GetSection(ConversationOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddConversationStore(configuration, contentRoot);
        services.AddSingleton<ConversationFeed>();
        services.AddOptions<CustomerViewOptions>();
        services.AddSingleton<CustomerView>();
        // Registered first, so every other inbound handler sees only what a client may send.
        services.AddSingleton<InboundActivityPolicy>();
        services.AddSingleton<IInboundActivityHandler>(sp => sp.GetRequiredService<InboundActivityPolicy>());
        services.AddSingleton<ConversationService>();
        services.AddSingleton<TurnScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<TurnScheduler>());
        services.TryAddSingleton<IBot, SimpleBot>();
        services.AddHealthChecks().AddCheck<ConversationStoreHealthCheck>("database");
        return services;
    }
}
