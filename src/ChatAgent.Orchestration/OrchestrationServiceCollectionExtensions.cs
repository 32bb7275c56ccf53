using ChatAgent.Conversations.Service;
using ChatAgent.Embeddings;
using ChatAgent.Orchestration.Handoff;
using ChatAgent.Orchestration.Intents;
using ChatAgent.Orchestration.Knowledge;
using ChatAgent.Orchestration.Model;
using ChatAgent.Orchestration.NoModel;
using ChatAgent.Orchestration.State;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatAgent.Orchestration;

/// <summary>Wiring of the orchestrator (the bot behind the conversation service).</summary>
public static class OrchestrationServiceCollectionExtensions
{
    /// <summary>
    /// Registers the orchestrator as the <see cref="IBot"/> (replacing the placeholder), validated
    /// <see cref="OrchestratorOptions"/> (section <c>Orchestrator</c>), the local sentence embedder, the intent classifier,
    /// the policy knowledge base read from <c>knowledge/</c> and prompts from <c>prompts/</c> under
    /// <paramref name="contentRoot"/>. The model path runs when an <c>IChatClient</c> is registered (<c>AddChatModel</c>),
    /// the no-model intent engine otherwise. Call after <c>AddConversations</c> and <c>AddShop</c>. An <see cref="IBot"/>
    /// registered before this call (other than the placeholder <see cref="SimpleBot"/>) is left in place.
    /// </summary>
    public static IServiceCollection AddOrchestrator(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<OrchestratorOptions>()
            .Bind(configuration.GetSection(OrchestratorOptions.Section))
            .PostConfigure(o =>
            {
                o.PromptsPath = Path.GetFullPath(o.PromptsPath, contentRoot);
                o.KnowledgePath = Path.GetFullPath(o.KnowledgePath, contentRoot);
            })
            .ValidateDataAnnotations()
            .Validate(o => File.Exists(Path.Combine(o.PromptsPath, PromptLibrary.SystemPromptFile)), $"Orchestrator:PromptsPath must be a folder holding {PromptLibrary.SystemPromptFile}.")
            .ValidateOnStart();
        services.AddLocalEmbeddings(configuration);
        services.TryAddSingleton(TimeProvider.System);
        // No-model mode: our examples plus the intents enabled plugins declare with [NoModelIntent].
        services.TryAddSingleton<PluginIntents>();
        services.TryAddSingleton(sp => new IntentClassifier(sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>(),
            [.. IntentClassifier.BuiltInExamples(), .. sp.GetRequiredService<PluginIntents>().Examples]));
        services.TryAddSingleton(sp => new TypoCorrector(sp.GetRequiredService<IntentClassifier>().Examples.Select(e => e.Text)));
        services.TryAddSingleton(sp => new ReplyTemplates(sp.GetRequiredService<IOptions<OrchestratorOptions>>().Value.PromptsPath));
        services.TryAddSingleton<CustomerOrders>();
        services.TryAddSingleton(sp => new KnowledgeBase(sp.GetRequiredService<IOptions<OrchestratorOptions>>().Value.KnowledgePath, sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>()));
        services.TryAddSingleton(sp => new PromptLibrary(sp.GetRequiredService<IOptions<OrchestratorOptions>>().Value.PromptsPath));
        services.TryAddSingleton<TranscriptReader>();
        services.TryAddSingleton(sp => new Replies.ProductCards(sp.GetRequiredService<ChatAgent.Shop.Formatting.ShopFormat>()));
        services.TryAddSingleton<HandoffService>();
        services.TryAddSingleton<ModelTurnRunner>();
        // With a local model: the system prompt and all enabled tools must fit one conversation's prompt (start-up error otherwise).
        services.AddHostedService<Model.ModelPromptCheck>();
        services.TryAddSingleton<IntentEngine>();
        // Tool calls (arguments and results), handoff summaries and the flow state are for agents and the bot only.
        services.Configure<CustomerViewOptions>(o =>
        {
            o.InternalEventNames.Add(TranscriptEvents.Tool);
            o.InternalEventNames.Add(TranscriptEvents.Handoff);
            o.InternalChannelDataKeys.Add(TranscriptEvents.StateKey);
        });
        // The orchestrator replaces only the placeholder: a bot a host or test registered on purpose keeps its place,
        // and Orchestrator:Enabled=false keeps the placeholder (transport tests that expect its echo).
        var explicitBot = services.Any(d => d.ServiceType == typeof(IBot) && d.ImplementationType != typeof(SimpleBot));
        if (!explicitBot && configuration.GetValue(OrchestratorOptions.Section + ":" + nameof(OrchestratorOptions.Enabled), true))
        {
            services.RemoveAll<IBot>();
            services.AddSingleton<IBot, OrchestratorBot>();
        }
        return services;
    }
}
