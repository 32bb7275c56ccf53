using System.Runtime.CompilerServices;
using System.Text;
using ChatAgent.Llm.Engine;
using Microsoft.Extensions.AI;

namespace ChatAgent.Llm.Chat;

/// <summary>
/// <see cref="IChatClient"/> over the local GGUF engine, with tool calling: tools are rendered in the model family's
/// format, the output is constrained by a grammar built from their schemas and parsed into <see cref="FunctionCallContent"/>.
/// Semantic Kernel invokes the functions through <c>UseKernelFunctionInvocation()</c>.
/// </summary>
public sealed class LlamaChatClient : IChatClient, IPromptTokenCounter
{
    /// <summary>
    /// Key in <see cref="ChatOptions.AdditionalProperties"/> (Semantic Kernel: <c>PromptExecutionSettings.ExtensionData</c>)
    /// naming the conversation, so that an edited history reuses that conversation's own KV cache instead of starting a
    /// second copy beside it. <see cref="ChatOptions.ConversationId"/> works too when no function-invoking client resets it.
    /// </summary>
    public const string ConversationIdKey = "conversation_id";

    private readonly InferenceEngine _engine;
    private readonly ChatFormat _format;
    private readonly ModelOptions _defaults;
    private readonly ChatClientMetadata _metadata;

    internal LlamaChatClient(InferenceEngine engine, ChatFormat format, ModelOptions defaults, string modelId, int promptTokenLimit = int.MaxValue)
    {
        PromptTokenLimit = Math.Min(promptTokenLimit, engine.ContextSize - 1);
        _engine = engine;
        _format = format;
        _defaults = defaults;
        _metadata = new ChatClientMetadata("llamasharp", null, modelId);
    }

    /// <summary>The prompt family in use (detected from the GGUF or configured).</summary>
    public ChatFamily Family => _format.Family;

    /// <summary>Engine counters (prompt tokens processed, cached tokens reused, queue state).</summary>
    public EngineCounters Counters => _engine.Counters;

    /// <inheritdoc />
    public int PromptTokenLimit { get; }

    /// <inheritdoc />
    public int CountTokens(string text) => string.IsNullOrEmpty(text) ? 0 : _engine.Tokenize(text).Length;

    /// <inheritdoc />
    public int CountToolTokens(IReadOnlyList<AIFunctionDeclaration> tools) => CountTokens(_format.ToolInstructions(tools));

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var turn = Prepare(messages, options);
        var generation = _engine.Submit(turn.Request, cancellationToken);
        var result = await generation.Completion.ConfigureAwait(false);
        var message = new ChatMessage(ChatRole.Assistant, ToContents(turn, result.Text, out var calls)) { MessageId = turn.Id };
        return new ChatResponse(message)
        {
            ResponseId = turn.Id,
            ModelId = _metadata.DefaultModelId,
            CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = calls ? ChatFinishReason.ToolCalls : result.Finish == GenerationFinish.Length ? ChatFinishReason.Length : ChatFinishReason.Stop,
            Usage = Usage(result),
        };
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var turn = Prepare(messages, options);
        var generation = _engine.Submit(turn.Request, cancellationToken);
        var buffer = new StringBuilder();
        bool? isText = turn.ToolsActive ? null : true;
        await foreach (var piece in generation.Pieces.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (isText == true)
            {
                yield return Update(turn, new TextContent(piece));
                continue;
            }
            buffer.Append(piece);
            var sofar = buffer.ToString().TrimStart();
            if (sofar.StartsWith(_format.CallPrefix, StringComparison.Ordinal)) isText = false;
            else if (!_format.CallPrefix.StartsWith(sofar, StringComparison.Ordinal))
            {
                // Not a tool call after all: release what was held back and stream the rest as it comes.
                isText = true;
                yield return Update(turn, new TextContent(buffer.ToString()));
            }
        }
        var result = await generation.Completion.ConfigureAwait(false);
        var calls = false;
        if (isText != true && result.Text.Length > 0)
        {
            var contents = ToContents(turn, result.Text, out calls);
            yield return Update(turn, [.. contents]);
        }
        var final = Update(turn, new UsageContent(Usage(result)));
        final.FinishReason = calls ? ChatFinishReason.ToolCalls : result.Finish == GenerationFinish.Length ? ChatFinishReason.Length : ChatFinishReason.Stop;
        yield return final;
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return _metadata;
        if (serviceType == typeof(EngineCounters)) return _engine.Counters;
        if (serviceType == typeof(IPromptTokenCounter)) return this;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // The engine is a process-wide singleton owned by the model host, not by each client.
    }

    private ChatResponseUpdate Update(Turn turn, params AIContent[] contents) => new(ChatRole.Assistant, [.. contents])
    {
        ResponseId = turn.Id,
        MessageId = turn.Id,
        ModelId = _metadata.DefaultModelId,
        CreatedAt = DateTimeOffset.UtcNow,
    };

    private static UsageDetails Usage(GenerationResult r) => new()
    {
        InputTokenCount = r.PromptTokens,
        OutputTokenCount = r.OutputTokens,
        TotalTokenCount = r.PromptTokens + r.OutputTokens,
        CachedInputTokenCount = r.CachedTokens,
    };

    private List<AIContent> ToContents(Turn turn, string text, out bool calls)
    {
        calls = false;
        if (turn.ToolsActive && text.TrimStart().StartsWith(_format.CallPrefix, StringComparison.Ordinal)
            && ToolCallParser.Parse(text, _format.ToolFormat) is { Count: > 0 } parsed)
        {
            calls = true;
            return [.. parsed];
        }
        return [new TextContent(text)];
    }

    /// <summary>Accepts OpenAI's <c>logit_bias</c> shape: token id → bias, as a dictionary or JSON object.</summary>
    private static Dictionary<LLama.Native.LLamaToken, float>? ParseLogitBias(object? value)
    {
        var result = new Dictionary<LLama.Native.LLamaToken, float>();
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        switch (value)
        {
            case System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.Object } e:
                foreach (var p in e.EnumerateObject()) result[int.Parse(p.Name, inv)] = p.Value.GetSingle();
                break;
            case System.Collections.IDictionary d:
                foreach (System.Collections.DictionaryEntry p in d)
                    result[Convert.ToInt32(p.Key, inv)] = p.Value is System.Text.Json.JsonElement je ? je.GetSingle() : Convert.ToSingle(p.Value, inv);
                break;
            default:
                return null;
        }
        return result.Count > 0 ? result : null;
    }

    private sealed record Turn(string Id, GenerationRequest Request, bool ToolsActive);

    private Turn Prepare(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages.ToList();
        if (options?.Instructions is { Length: > 0 } instructions) list.Insert(0, new ChatMessage(ChatRole.System, instructions));
        IReadOnlyList<AIFunctionDeclaration> tools = options?.Tools?.OfType<AIFunctionDeclaration>().ToList() ?? [];
        var mode = options?.ToolMode;
        string? grammar = null;
        if (mode is NoneChatToolMode) tools = [];
        if (tools.Count > 0)
        {
            if (mode is RequiredChatToolMode { RequiredFunctionName: { } required })
            {
                tools = [.. tools.Where(t => t.Name == required)];
                if (tools.Count == 0) throw new ArgumentException($"The required function '{required}' is not among the tools.", nameof(options));
            }
            grammar = ToolGrammar.Build(tools, _format.ToolFormat, allowText: mode is not RequiredChatToolMode);
        }
        var prompt = _format.Render(list, tools);
        var stops = new List<string>(_format.EndOfTurn);
        if (options?.StopSequences is { } userStops) stops.AddRange(userStops.Where(s => s.Length > 0));
        var extra = options?.AdditionalProperties;
        var minP = extra is not null && extra.TryGetValue("min_p", out var mp) && mp is not null ? Convert.ToSingle(mp, System.Globalization.CultureInfo.InvariantCulture) : _defaults.MinP;
        var seed = options?.Seed ?? _defaults.Seed ?? Random.Shared.NextInt64(0, uint.MaxValue);
        var request = new GenerationRequest
        {
            Prompt = _engine.Tokenize(prompt),
            Grammar = grammar,
            MaxTokens = options?.MaxOutputTokens ?? _defaults.MaxOutputTokens,
            StopSequences = stops,
            // ChatOptions.ConversationId means "history kept by the service" to function-invoking clients, which reset it
            // between tool rounds; Semantic Kernel callers pass the hint as the "conversation_id" extension instead.
            ConversationId = options?.ConversationId ?? (extra is not null && extra.TryGetValue(ConversationIdKey, out var cid) ? cid?.ToString() : null),
            LogitBias = extra is not null && extra.TryGetValue("logit_bias", out var lb) ? ParseLogitBias(lb) : null,
            Sampling = new SamplingSettings(
                options?.Temperature ?? _defaults.Temperature,
                options?.TopP ?? _defaults.TopP,
                options?.TopK ?? _defaults.TopK,
                minP,
                unchecked((uint)seed)),
        };
        return new Turn("chatcmpl-" + Guid.NewGuid().ToString("N")[..16], request, tools.Count > 0);
    }
}
