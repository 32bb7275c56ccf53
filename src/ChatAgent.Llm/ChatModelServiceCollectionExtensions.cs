using System.ClientModel;
using ChatAgent.Llm.Gguf;
using ChatAgent.Llm.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using OpenAI;

namespace ChatAgent.Llm;

/// <summary>Which model the bot talks to.</summary>
public enum ChatModelMode
{
    /// <summary>No model configured: the orchestrator's no-model mode.</summary>
    None,
    /// <summary>A local GGUF file run in-process through LLamaSharp.</summary>
    Local,
    /// <summary>An OpenAI-compatible server.</summary>
    Endpoint,
}

/// <summary>What the orchestrator needs to know about the configured model.</summary>
public interface IChatModelInfo
{
    /// <summary>None, Local or Endpoint.</summary>
    ChatModelMode Mode { get; }

    /// <summary>One line for logs and /health, e.g. "local qwen2.5-0.5b.gguf (qwen2, chatml)".</summary>
    string Description { get; }
}

internal sealed class ChatModelInfo(ChatModelMode mode, string description) : IChatModelInfo
{
    public ChatModelMode Mode { get; } = mode;
    public string Description { get; } = description;
}

/// <summary>Registers the chat model.</summary>
public static class ChatModelServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates <see cref="ModelOptions"/> (section <c>Model</c>) at start-up and, when <c>Model:Path</c> or
    /// <c>Model:Endpoint</c> is set, registers an <see cref="IChatClient"/> singleton wrapped with Semantic Kernel's
    /// function invocation (so a Kernel with <c>FunctionChoiceBehavior.Auto()</c> calls plugins through it). Without
    /// either, no <see cref="IChatClient"/> is registered (no-model mode). Also registers <see cref="IChatModelInfo"/>
    /// and the <c>model</c> health check.
    /// </summary>
    public static IServiceCollection AddChatModel(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(ModelOptions.SectionName);
        services.AddOptions<ModelOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ModelOptions>, ModelOptionsValidator>();
        services.AddHealthChecks().AddCheck<ModelHealthCheck>("model");
        services.AddSingleton<ModelTurnOutcomes>();

        var options = section.Get<ModelOptions>() ?? new ModelOptions();
        if (options.Endpoint.Length > 0)
        {
            var name = options.Name.Length > 0 ? options.Name : "default";
            services.AddSingleton<IChatModelInfo>(new ChatModelInfo(ChatModelMode.Endpoint, $"endpoint {options.Endpoint} (model {name})"));
            if (Uri.TryCreate(options.Endpoint, UriKind.Absolute, out var endpoint))
            {
                var client = new OpenAIClient(new ApiKeyCredential(options.ApiKey.Length > 0 ? options.ApiKey : "none"),
                    new OpenAIClientOptions { Endpoint = endpoint });
                services.AddOpenAIChatClient(name, client);
            }
        }
        else if (options.Path.Length > 0)
        {
            services.AddSingleton(sp =>
            {
                var o = sp.GetRequiredService<IOptions<ModelOptions>>().Value;
                return LocalModel.Load(WithResolvedPath(o, sp.GetService<IHostEnvironment>()), sp.GetService<ILoggerFactory>());
            });
            services.AddSingleton<IChatModelInfo>(sp =>
            {
                var m = sp.GetRequiredService<LocalModel>();
                return new ChatModelInfo(ChatModelMode.Local, $"local {Path.GetFileName(m.Info.Path)} ({m.Info.Architecture}, {m.ChatClient.Family}, {m.NativeLibrary})");
            });
            services.AddChatClient(sp => sp.GetRequiredService<LocalModel>().ChatClient).UseKernelFunctionInvocation();
            // Load at start-up so a file llama.cpp rejects fails the start, not the first customer message.
            services.AddHostedService<LocalModelWarmup>();
        }
        else
        {
            services.AddSingleton<IChatModelInfo>(new ChatModelInfo(ChatModelMode.None, "no model configured (Model:Path and Model:Endpoint are empty)"));
        }
        return services;
    }

    internal static ModelOptions WithResolvedPath(ModelOptions o, IHostEnvironment? env)
    {
        if (o.Path.Length == 0 || Path.IsPathRooted(o.Path) || env is null) return o;
        var copy = o.Clone();
        copy.Path = Path.Combine(env.ContentRootPath, o.Path);
        return copy;
    }
}

internal sealed class LocalModelWarmup(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<LocalModel>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Checks the model settings and the GGUF file's header at start-up.</summary>
internal sealed class ModelOptionsValidator(IHostEnvironment? env = null) : IValidateOptions<ModelOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelOptions options)
    {
        var failures = new List<string>();
        if (options.Path.Length > 0 && options.Endpoint.Length > 0)
            failures.Add("Model:Path and Model:Endpoint are both set; set one (a local file or a server).");
        if (options.Endpoint.Length > 0 && (!Uri.TryCreate(options.Endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            failures.Add($"Model:Endpoint '{options.Endpoint}' is not an http(s) URL.");
        if (options.Path.Length > 0 && options.Endpoint.Length == 0)
        {
            try
            {
                GgufInspector.Inspect(ChatModelServiceCollectionExtensions.WithResolvedPath(options, env).Path);
            }
            catch (ModelFileException e)
            {
                failures.Add(e.Message);
            }
        }
        if (options.NativeLibraryPath.Length > 0 && !File.Exists(options.NativeLibraryPath))
            failures.Add($"Model:NativeLibraryPath '{options.NativeLibraryPath}' does not exist.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// Reports the model mode, backend, native library, model metadata, context size, GPU layers and cache counters;
/// Degraded while model turns fail (<see cref="ModelTurnOutcomes"/>).
/// </summary>
public sealed class ModelHealthCheck(IChatModelInfo info, IServiceProvider services, IOptions<ModelOptions> options, ModelTurnOutcomes outcomes) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["mode"] = info.Mode.ToString().ToLowerInvariant(),
            ["description"] = info.Description,
        };
        if (info.Mode == ChatModelMode.Endpoint)
        {
            data["endpoint"] = options.Value.Endpoint;
            data["model"] = options.Value.Name;
        }
        if (info.Mode == ChatModelMode.Local)
        {
            LocalModel model;
            try
            {
                model = services.GetRequiredService<LocalModel>();
            }
            catch (ModelFileException e)
            {
                return Task.FromResult(HealthCheckResult.Unhealthy(e.Message, e, data));
            }
            var c = model.Counters;
            data["backend"] = BuildInfo.Backend;
            data["nativeLibrary"] = model.NativeLibrary;
            data["file"] = model.Info.Path;
            data["architecture"] = model.Info.Architecture;
            data["modelName"] = model.Info.Name ?? "";
            data["parameters"] = model.ParameterCount;
            data["chatFormat"] = model.ChatClient.Family.ToString();
            data["contextSize"] = model.ContextSize;
            data["contextDerived"] = model.Plan.Derived;
            data["trainedContext"] = model.TrainedContext;
            data["promptTokenLimit"] = model.Plan.PromptTokenLimit;
            data["gpuLayers"] = model.Options.GpuLayerCount;
            data["maxConcurrent"] = model.Options.MaxConcurrent;
            data["activeSequences"] = c.ActiveSequences;
            data["queuedRequests"] = c.QueuedRequests;
            data["cachedSequences"] = c.CachedSequences;
            data["promptTokensProcessed"] = c.PromptTokensProcessed;
            data["cachedTokensReused"] = c.CachedTokensReused;
            data["sharedPrefixTokens"] = c.SharedPrefixTokens;
            data["generatedTokens"] = c.GeneratedTokens;
            data["busyRejections"] = c.BusyRejections;
            data["evictions"] = c.Evictions;
        }
        var turns = outcomes.Snapshot();
        data["answeredTurns"] = turns.Answered;
        data["failedTurns"] = turns.Failures;
        if (turns.ConsecutiveFailures > 0)
        {
            data["consecutiveFailedTurns"] = turns.ConsecutiveFailures;
            data["lastError"] = turns.LastError ?? "";
            return Task.FromResult(HealthCheckResult.Degraded(
                $"{info.Description}: the last {turns.ConsecutiveFailures} model turn(s) failed ({turns.LastError})", data: data));
        }
        return Task.FromResult(HealthCheckResult.Healthy(info.Description, data));
    }
}
