using ChatAgent.Llm;
using ChatAgent.Llm.Chat;
using ChatAgent.Orchestration.Handoff;
using ChatAgent.Shop.Conversations;
using ChatAgent.Shop.Plugins;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;

namespace ChatAgent.Orchestration.Model;

/// <summary>
/// At start-up, with a local model: the system prompt and every enabled plugin's tools must fit in what the context
/// holds for one conversation's prompt; otherwise the host does not start, with one line naming the keys to change
/// (a configuration that would fail every customer's first message).
/// </summary>
internal sealed class ModelPromptCheck(IServiceProvider services, ModelTurnRunner runner, PluginCatalog catalog, ILogger<ModelPromptCheck> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<IChatClient>()?.GetService<IPromptTokenCounter>() is not { } counter)
        {
            return;
        }
        var (system, _, _) = await runner.RenderSystemPromptAsync(null, "", cancellationToken);
        var kernel = new Kernel(services);
        kernel.Plugins.AddRange(catalog.CreatePlugins(services, services.GetRequiredService<CustomerSessionFactory>().Create("start-up-check")));
        kernel.Plugins.AddFromObject(new HandoffPlugin(), HandoffPlugin.Name);
        var tools = kernel.Plugins.SelectMany(p => p.AsAIFunctions(kernel)).Cast<AIFunctionDeclaration>().ToList();
        var systemTokens = counter.CountTokens(system);
        var toolTokens = counter.CountToolTokens(tools);
        var needed = systemTokens + toolTokens;
        var o = services.GetRequiredService<IOptions<ModelOptions>>().Value;
        logger.LogInformation("The system prompt takes {System} tokens and all {Count} tools {Tools}; one conversation's prompt may hold {Limit}",
            systemTokens, tools.Count, toolTokens, counter.PromptTokenLimit);
        if (needed > counter.PromptTokenLimit)
        {
            var plugins = catalog.Enabled.Count == 0 ? "none" : string.Join(", ", catalog.Enabled.Select(p => p.Name));
            throw new OptionsValidationException(ModelOptions.SectionName, typeof(ModelOptions),
            [
                $"The system prompt ({systemTokens} tokens) and the tools of Plugins:Enabled [{plugins}] ({toolTokens} tokens) do not fit in one conversation's prompt of {counter.PromptTokenLimit} tokens " +
                $"(Model:ContextSize {(o.ContextSize == 0 ? "0 = derived" : o.ContextSize)}, Model:PromptTokens {o.PromptTokens}, Model:MaxOutputTokens {o.MaxOutputTokens}, the model's trained context): " +
                "raise Model:PromptTokens or Model:ContextSize (0 derives it), lower Model:MaxOutputTokens, or enable fewer plugins.",
            ]);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
