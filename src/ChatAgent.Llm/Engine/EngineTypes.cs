using LLama.Native;

namespace ChatAgent.Llm.Engine;

/// <summary>
/// The engine is full: every decoding slot is busy and the wait queue is at its limit. Callers answer
/// "busy, try again shortly" rather than waiting without bound.
/// </summary>
public sealed class ModelBusyException(int active, int queued)
    : Exception($"The model is busy: {active} conversations are being answered and {queued} are waiting. Try again shortly.")
{
    /// <summary>Conversations being decoded when the request was refused.</summary>
    public int Active { get; } = active;

    /// <summary>Requests waiting when the request was refused.</summary>
    public int Queued { get; } = queued;
}

/// <summary>Engine counters, for tests, benchmarks and /health.</summary>
/// <param name="PromptTokensProcessed">Prompt tokens actually evaluated (prefill work).</param>
/// <param name="CachedTokensReused">Prompt tokens skipped because their KV cache was already there.</param>
/// <param name="SharedPrefixTokens">Of those, tokens copied from another conversation's cache (shared system prompt and tools).</param>
/// <param name="GeneratedTokens">Tokens generated.</param>
/// <param name="Requests">Requests admitted.</param>
/// <param name="BusyRejections">Requests refused with <see cref="ModelBusyException"/>.</param>
/// <param name="Evictions">Cached conversations evicted to make room (they re-prefill when they return).</param>
/// <param name="ActiveSequences">Conversations being decoded now.</param>
/// <param name="QueuedRequests">Requests waiting for a slot now.</param>
/// <param name="CachedSequences">Conversations whose KV cache is held now.</param>
public sealed record EngineCounters(
    long PromptTokensProcessed, long CachedTokensReused, long SharedPrefixTokens, long GeneratedTokens,
    long Requests, long BusyRejections, long Evictions, int ActiveSequences, int QueuedRequests, int CachedSequences);

/// <summary>Sampling for one request; temperature 0 is greedy.</summary>
internal sealed record SamplingSettings(float Temperature, float TopP, int TopK, float MinP, uint Seed);

/// <summary>One generation request, already tokenized.</summary>
internal sealed class GenerationRequest
{
    public required IReadOnlyList<LLamaToken> Prompt { get; init; }
    public required SamplingSettings Sampling { get; init; }
    public string? Grammar { get; init; }
    /// <summary>Added to the logits of the given tokens before sampling (OpenAI's logit_bias).</summary>
    public IReadOnlyDictionary<LLamaToken, float>? LogitBias { get; init; }
    public int MaxTokens { get; init; } = 256;
    public IReadOnlyList<string> StopSequences { get; init; } = [];
    /// <summary>Optional hint naming the conversation; the longest common token prefix decides otherwise.</summary>
    public string? ConversationId { get; init; }
}

internal enum GenerationFinish { Stop, Length }

internal sealed record GenerationResult(string Text, int PromptTokens, int CachedTokens, int OutputTokens, GenerationFinish Finish);

/// <summary>A running generation: text pieces as they are produced, and the final result.</summary>
internal sealed class Generation(System.Threading.Channels.ChannelReader<string> pieces, Task<GenerationResult> completion)
{
    public System.Threading.Channels.ChannelReader<string> Pieces { get; } = pieces;
    public Task<GenerationResult> Completion { get; } = completion;
}

/// <summary>Engine sizing.</summary>
internal sealed record EngineSettings(int ContextSize, int BatchSize, int Threads, int MaxConcurrent, int QueueLength, int CachedConversations, bool? FlashAttention, int CacheTokens = int.MaxValue);
