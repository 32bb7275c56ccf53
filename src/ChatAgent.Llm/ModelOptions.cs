using System.ComponentModel.DataAnnotations;

namespace ChatAgent.Llm;

/// <summary>
/// The <c>Model</c> section of appsettings.json: which language model the bot talks to and how it runs.
/// <see cref="Path"/> selects a local GGUF file, <see cref="Endpoint"/> an OpenAI-compatible server; neither
/// means the no-model mode.
/// </summary>
public sealed class ModelOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Model";

    /// <summary>GGUF model file (relative paths resolve against the content root). Empty: no local model.</summary>
    public string Path { get; set; } = "";

    /// <summary>Base URL of an OpenAI-compatible server (llama.cpp server, vLLM, Ollama), e.g. http://gpu-box:8080/v1.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>API key sent to <see cref="Endpoint"/> (many local servers accept any value).</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>Model name: sent to the endpoint, reported for a local file.</summary>
    public string Name { get; set; } = "";

    /// <summary>
    /// KV-cache size in tokens shared by all conversations (the memory budget of the cache). 0 (the default) derives it:
    /// <see cref="MaxConcurrent"/> × (<see cref="PromptTokens"/> + <see cref="MaxOutputTokens"/>, at most the model's
    /// trained context) + <see cref="CacheTokens"/>; see <see cref="ContextPlan"/>.
    /// </summary>
    [Range(0, 1_048_576)] public int ContextSize { get; set; }

    /// <summary>
    /// The longest prompt one conversation sends (system prompt, tools, policy passages and history); older turns are
    /// summarised to stay inside it. Sizes the context when <see cref="ContextSize"/> is 0.
    /// </summary>
    [Range(256, 1_048_576)] public int PromptTokens { get; set; } = 4096;

    /// <summary>How tools are described in the prompt: <c>compact</c> one-line signatures (default) or <c>json</c> schemas.</summary>
    [RegularExpression("^(compact|json)$", ErrorMessage = "Model:ToolSchema must be compact or json.")]
    public string ToolSchema { get; set; } = "compact";

    /// <summary>Most tokens decoded in one batch (prompt chunks and generated tokens of all conversations).</summary>
    [Range(16, 65_536)] public int BatchSize { get; set; } = 512;

    /// <summary>CPU threads for decoding; 0 = all cores.</summary>
    [Range(0, 1024)] public int Threads { get; set; }

    /// <summary>Layers offloaded to the GPU (needs a GPU backend; -1 = all).</summary>
    [Range(-1, 1024)] public int GpuLayerCount { get; set; }

    /// <summary>GPU used for the model when several are present.</summary>
    [Range(0, 64)] public int MainGpu { get; set; }

    /// <summary>
    /// Flash attention: null (the default) lets llama.cpp decide per backend (on where the backend supports it, CPU
    /// included); true forces it on, false off.
    /// </summary>
    public bool? FlashAttention { get; set; }

    /// <summary>Conversations decoded together in one batch.</summary>
    [Range(1, 64)] public int MaxConcurrent { get; set; } = 4;

    /// <summary>Requests waiting for a free slot before new ones get a "busy" answer.</summary>
    [Range(0, 10_000)] public int QueueLength { get; set; } = 16;

    /// <summary>Idle conversations whose KV cache is kept for their next turn (evicted least recently used first).</summary>
    [Range(0, 192)] public int CachedConversations { get; set; } = 16;

    /// <summary>
    /// Budget, in tokens, for the KV cache kept by idle conversations; beyond it the least recently used are evicted
    /// (they re-prefill transparently when they return). Every decode attends over the used cache cells, so an
    /// oversized idle cache slows everyone down.
    /// </summary>
    [Range(0, 1_048_576)] public int CacheTokens { get; set; } = 4096;

    /// <summary>Default sampling temperature (0 = greedy).</summary>
    [Range(0.0, 5.0)] public float Temperature { get; set; } = 0.7f;

    /// <summary>Default nucleus sampling threshold.</summary>
    [Range(0.0, 1.0)] public float TopP { get; set; } = 0.9f;

    /// <summary>Default top-k (0 = off).</summary>
    [Range(0, 100_000)] public int TopK { get; set; } = 40;

    /// <summary>Default min-p.</summary>
    [Range(0.0, 1.0)] public float MinP { get; set; } = 0.05f;

    /// <summary>Default sampling seed; null = random per request.</summary>
    public uint? Seed { get; set; }

    /// <summary>Default cap on generated tokens per answer.</summary>
    [Range(1, 1_048_576)] public int MaxOutputTokens { get; set; } = 512;

    /// <summary>Chat format override (chatml, llama3, mistral, phi3, gemma); empty = detect from the GGUF's template.</summary>
    [RegularExpression("^(|chatml|llama3|mistral|phi3|gemma)$", ErrorMessage = "Model:ChatTemplate must be one of chatml, llama3, mistral, phi3, gemma (or empty to detect).")]
    public string ChatTemplate { get; set; } = "";

    /// <summary>A self-built libllama (e.g. compiled with -march=native or CUDA) loaded instead of the packaged one.</summary>
    public string NativeLibraryPath { get; set; } = "";

    internal ModelOptions Clone() => (ModelOptions)MemberwiseClone();
}

/// <summary>How the context is sized for a model: derived from the options and the model's trained context, or as configured.</summary>
/// <param name="ContextSize">KV cells shared by all conversations.</param>
/// <param name="PerConversation">Tokens one conversation may hold (prompt and answer).</param>
/// <param name="PromptTokenLimit">The longest prompt of one conversation (<see cref="PerConversation"/> less the answer).</param>
/// <param name="Derived">True when <c>Model:ContextSize</c> was 0.</param>
public sealed record ContextPlan(int ContextSize, int PerConversation, int PromptTokenLimit, bool Derived)
{
    /// <summary>
    /// ContextSize 0: <c>MaxConcurrent × min(trained, PromptTokens + MaxOutputTokens) + CacheTokens</c>, rounded up to
    /// 256 cells. Otherwise the configured size; one conversation holds at most the context and the trained context.
    /// </summary>
    /// <param name="o">The model options.</param>
    /// <param name="trainedContext">The model's trained context (0 when unknown).</param>
    public static ContextPlan For(ModelOptions o, int trainedContext)
    {
        ArgumentNullException.ThrowIfNull(o);
        var trained = trainedContext > 0 ? trainedContext : int.MaxValue;
        var wanted = Math.Min(trained, (long)o.PromptTokens + o.MaxOutputTokens);
        if (o.ContextSize == 0)
        {
            var size = (int)Math.Min(1_048_576, (o.MaxConcurrent * wanted + o.CacheTokens + 255) / 256 * 256);
            var per = (int)Math.Min(wanted, size);
            return new ContextPlan(size, per, Math.Min(o.PromptTokens, per - o.MaxOutputTokens), true);
        }
        var perConversation = (int)Math.Min(Math.Min(o.ContextSize, trained), wanted);
        return new ContextPlan(o.ContextSize, perConversation, Math.Min(o.PromptTokens, perConversation - o.MaxOutputTokens), false);
    }
}
