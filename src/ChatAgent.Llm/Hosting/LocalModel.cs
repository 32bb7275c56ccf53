using ChatAgent.Llm.Chat;
using ChatAgent.Llm.Engine;
using ChatAgent.Llm.Gguf;
using LLama;
using LLama.Common;
using LLama.Native;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatAgent.Llm.Hosting;

/// <summary>
/// A local GGUF model loaded once per process: weights, the batching engine and the chat client over it.
/// </summary>
public sealed class LocalModel : IDisposable
{
    private static readonly object NativeGate = new();
    private readonly LLamaWeights _weights;
    private readonly InferenceEngine _engine;

    private LocalModel(GgufModelInfo info, LLamaWeights weights, InferenceEngine engine, LlamaChatClient client, ModelOptions options, string nativeLibrary, ContextPlan plan)
    {
        Plan = plan;
        Info = info;
        _weights = weights;
        _engine = engine;
        ChatClient = client;
        Options = options;
        NativeLibrary = nativeLibrary;
    }

    /// <summary>The checked header of the model file.</summary>
    public GgufModelInfo Info { get; }

    /// <summary>The chat client over this model.</summary>
    public LlamaChatClient ChatClient { get; }

    /// <summary>Options the model was loaded with.</summary>
    public ModelOptions Options { get; }

    /// <summary>Native llama.cpp build in use (e.g. "cpu avx512", or the configured library path).</summary>
    public string NativeLibrary { get; }

    /// <summary>Parameter count reported by llama.cpp.</summary>
    public ulong ParameterCount { get; private init; }

    /// <summary>Context (KV cache) size in tokens.</summary>
    public int ContextSize => _engine.ContextSize;

    /// <summary>How the context was sized (derived from the trained context when <c>Model:ContextSize</c> is 0) and what one conversation may use.</summary>
    public ContextPlan Plan { get; }

    /// <summary>The context the model was trained with (from the GGUF).</summary>
    public int TrainedContext => _weights.ContextSize;

    /// <summary>Engine counters.</summary>
    public EngineCounters Counters => _engine.Counters;

    internal InferenceEngine Engine => _engine;

    /// <summary>Checks the file, loads the weights once and starts the inference thread.</summary>
    /// <exception cref="ModelFileException">The file is missing, broken or of an unsupported architecture.</exception>
    public static LocalModel Load(ModelOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("ChatAgent.Llm");
        var info = GgufInspector.Inspect(options.Path);
        ConfigureNative(options, logger);
        var format = ChatFormat.Detect(info.ChatTemplate, options.ChatTemplate).WithCompactTools(options.ToolSchema != "json");
        var threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        LLamaWeights weights;
        try
        {
            // On the one thread that calls into llama.cpp (see LlamaThread), as everything native below.
            weights = LlamaThread.Invoke(() => LLamaWeights.LoadFromFile(new ModelParams(info.Path)
            {
                GpuLayerCount = options.GpuLayerCount,
                MainGpu = options.MainGpu,
                Threads = threads,
            }));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ModelFileException(info.Path, $"llama.cpp could not load it: {e.Message}");
        }
        try
        {
            var plan = ContextPlan.For(options, weights.ContextSize);
            var settings = new EngineSettings(plan.ContextSize, options.BatchSize, threads, options.MaxConcurrent,
                options.QueueLength, options.CachedConversations, options.FlashAttention, options.CacheTokens);
            var engine = new InferenceEngine(weights, info.Path, settings, logger);
            var parameters = LlamaThread.Invoke(() => weights.ParameterCount);
            var name = options.Name.Length > 0 ? options.Name : info.Name ?? Path.GetFileNameWithoutExtension(info.Path);
            // llama.cpp may round the context up; one conversation never holds more than the engine's context.
            if (plan.PerConversation > engine.ContextSize)
                plan = plan with { PerConversation = engine.ContextSize, PromptTokenLimit = Math.Min(plan.PromptTokenLimit, engine.ContextSize - options.MaxOutputTokens) };
            var client = new LlamaChatClient(engine, format, options, name, plan.PromptTokenLimit);
            var loaded = NativeApi.GetLoadedNativeLibrary(NativeLibraryName.LLama)?.Metadata;
            var native = options.NativeLibraryPath.Length > 0 ? $"custom {options.NativeLibraryPath}"
                : loaded is null ? "unknown" : $"{(loaded.UseCuda ? "cuda" : loaded.UseVulkan ? "vulkan" : "cpu")} {loaded.AvxLevel.ToString().ToLowerInvariant()}";
            logger.LogInformation("Loaded {Model} ({Arch}, {Params:N0} parameters, {Family} format) on {Native}; context {Ctx} tokens{Derived} (trained {Trained}), {Concurrent} concurrent, prompts up to {PromptLimit} tokens",
                info.Path, info.Architecture, parameters, format.Family, native, engine.ContextSize, plan.Derived ? " (derived: Model:ContextSize 0)" : "",
                weights.ContextSize, options.MaxConcurrent, plan.PromptTokenLimit);
            return new LocalModel(info, weights, engine, client, options, native, plan) { ParameterCount = parameters };
        }
        catch
        {
            LlamaThread.Invoke(weights.Dispose);
            throw;
        }
    }

    private static void ConfigureNative(ModelOptions options, ILogger logger)
    {
        lock (NativeGate)
        {
            // NativeLibraryConfig only applies before the first native call in the process.
            if (NativeLibraryConfig.LLama.LibraryHasLoaded) return;
            if (options.NativeLibraryPath.Length > 0)
            {
                if (!File.Exists(options.NativeLibraryPath))
                    throw new ModelFileException(options.NativeLibraryPath, "Model:NativeLibraryPath does not exist");
                NativeLibraryConfig.LLama.WithLibrary(options.NativeLibraryPath);
            }
            NativeLibraryConfig.All.WithLogCallback((level, message) =>
            {
                if (level is LLamaLogLevel.Error) logger.LogError("llama.cpp: {Message}", message.TrimEnd());
                else if (level is LLamaLogLevel.Warning) logger.LogWarning("llama.cpp: {Message}", message.TrimEnd());
            });
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _engine.Dispose();
        LlamaThread.Invoke(_weights.Dispose);
    }
}
