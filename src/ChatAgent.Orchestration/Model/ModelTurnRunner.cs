using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Service;
using ChatAgent.Llm.Chat;
using ChatAgent.Llm.Hosting;
using ChatAgent.Orchestration.Intents;
using ChatAgent.Orchestration.Guardrails;
using ChatAgent.Orchestration.Handoff;
using ChatAgent.Orchestration.Knowledge;
using ChatAgent.Orchestration.State;
using ChatAgent.Shop.Conversations;
using ChatAgent.Shop.Plugins;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using FunctionCallContent = Microsoft.SemanticKernel.FunctionCallContent;
using FunctionResultContent = Microsoft.SemanticKernel.FunctionResultContent;

namespace ChatAgent.Orchestration.Model;

/// <summary>What a model turn ended with.</summary>
internal sealed record ModelTurnResult(string? HandoffReason, string? HandoffSummary, bool Failed);

/// <summary>
/// One customer message through the language model: a kernel with this conversation's plugins (scoped to its
/// customer) narrowed to the tools the turn likely needs (<see cref="ToolSelector"/>), the system prompt from
/// <c>prompts/</c> with the policy passages retrieved for the question, the history from the transcript reduced to what
/// the model's context holds for one conversation, automatic tool calls, and an answer streamed sentence by sentence —
/// each sentence sent only after its order facts were found in the turn's tool results. The prompt's parts are counted
/// (logged and in <c>/metrics</c>) and the outcome feeds the model's health.
/// </summary>
internal sealed class ModelTurnRunner(
    IServiceProvider services,
    PluginCatalog catalog,
    PromptLibrary prompts,
    KnowledgeBase knowledge,
    IntentClassifier intents,
    IOptions<OrchestratorOptions> options,
    TimeProvider time,
    ILogger<ModelTurnRunner> logger)
{
    private readonly ModelPromptMeters? _meters = services.GetService<System.Diagnostics.Metrics.IMeterFactory>() is { } f ? new ModelPromptMeters(f) : null;
    private readonly ModelTurnOutcomes? _outcomes = services.GetService<ModelTurnOutcomes>();

    /// <summary>The parts of the latest turn's prompt (for tests and benchmarks).</summary>
    public PromptParts? LastPrompt { get; private set; }

    public const string BusyAnswer = "I'm sorry — we're answering a lot of customers right now and I couldn't get to your message. Please send it again in a minute; nothing you wrote is lost.";

    public const string CorrectedAnswer = "I'm sorry — I couldn't confirm some of the order details I was about to give you, so I won't guess. Could you tell me the order number (like #W1234567) so I can look it up for you?";

    public async Task<ModelTurnResult> RunAsync(IChatClient chatClient, ITurnContext turn, Transcript transcript, CustomerSession session, ConfirmationOutcome confirmation, string text, CancellationToken ct)
    {
        try
        {
            var result = await RunTurnAsync(chatClient, turn, transcript, session, confirmation, text, ct);
            _outcomes?.Answered();
            return result;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // The customer gets the host's apology; /health reports the model Degraded until a turn is answered again.
            _outcomes?.Failed(e, time.GetUtcNow());
            throw;
        }
    }

    private async Task<ModelTurnResult> RunTurnAsync(IChatClient chatClient, ITurnContext turn, Transcript transcript, CustomerSession session, ConfirmationOutcome confirmation, string text, CancellationToken ct)
    {
        var o = options.Value;
        var stream = turn.BeginStream();
        var handoff = new HandoffPlugin();
        var filter = new ToolCallFilter(turn, stream, confirmation, handoff, logger);
        var verified = await session.GetVerifiedCustomerIdAsync(ct);

        var kernel = new Kernel(services);
        var plugins = catalog.CreatePlugins(services, session);
        var selection = "all";
        if (o.ToolSelection == ToolSelectionMode.Intent)
        {
            var offered = (transcript.LastBotState?["offered"] as JsonArray)?.Select(n => n?.GetValue<string>()).OfType<string>().ToHashSet(StringComparer.Ordinal);
            var context = new ToolContext(text, await LikelyIntentsAsync(text, ct), verified is not null, confirmation.Decision, RecentTools(transcript), offered);
            plugins = ToolSelector.Select(plugins, context, out selection);
        }
        kernel.Plugins.AddRange(plugins);
        kernel.Plugins.AddFromObject(handoff, HandoffPlugin.Name);
        kernel.AutoFunctionInvocationFilters.Add(filter);

        var counter = chatClient.GetService<IPromptTokenCounter>();
        Func<string, int> count = counter is null ? PromptTokens.Estimate : counter.CountTokens;
        var tools = kernel.Plugins.SelectMany(p => p.AsAIFunctions(kernel)).Cast<AIFunctionDeclaration>().ToList();
        var toolTokens = counter?.CountToolTokens(tools) ?? PromptTokens.Estimate(string.Join("\n", tools.Select(t => t.Name + t.Description + t.JsonSchema.GetRawText())));
        var (history, knowledgeText) = await BuildHistoryAsync(transcript, verified, text, ct);
        // What one conversation's prompt may hold, less the tools and a quarter kept free for this turn's tool results.
        var limit = counter?.PromptTokenLimit ?? int.MaxValue;
        var budget = (int)Math.Min(o.HistoryTokenBudget, Math.Max(256, ((long)limit - toolTokens) * 3 / 4));
        var reducer = new TokenAwareHistoryReducer(budget, count);
        var reduced = await reducer.ReduceAsync(history, ct);
        if (reduced is not null)
        {
            history = new ChatHistory(reduced);
        }
        var systemTokens = history.Where(m => m.Role == AuthorRole.System).Sum(reducer.Count);
        var historyTokens = history.Where(m => m.Role != AuthorRole.System).Sum(reducer.Count);
        var knowledgeTokens = knowledgeText.Length == 0 ? 0 : count(knowledgeText);
        // The passages ride with the customer's message (or sit in the system prompt where system.txt asks for them).
        var inSystem = knowledgeTokens > 0 && history.Any(m => m.Role == AuthorRole.System && m.Content?.Contains(knowledgeText, StringComparison.Ordinal) == true);
        var parts = new PromptParts(systemTokens - (inSystem ? knowledgeTokens : 0), toolTokens, knowledgeTokens,
            historyTokens - (inSystem ? 0 : knowledgeTokens), tools.Count, counter is not null) { HistoryReduced = reduced is not null };
        LastPrompt = parts;
        _meters?.Record(parts);
        logger.LogInformation("Prompt of conversation {ConversationId}: {Total} tokens{Estimated} = system {System} + tools {Tools} ({ToolCount} tools; {Selection}) + knowledge {Knowledge} + history {History}{Reduced}",
            turn.Conversation.Id, parts.Total, parts.Exact ? "" : " (estimated)", parts.System, parts.Tools, parts.ToolCount, selection, parts.Knowledge, parts.History,
            reduced is null ? "" : $" (reduced to the {budget}-token budget)");

        var settings = new PromptExecutionSettings
        {
            FunctionChoiceBehavior = o.RequireToolCallFirst ? FunctionChoiceBehavior.Required() : FunctionChoiceBehavior.Auto(),
            // Lets the local engine keep this conversation's KV cache in one place when the history is edited between turns.
            ExtensionData = new Dictionary<string, object> { [LlamaChatClient.ConversationIdKey] = turn.Conversation.Id },
        };
        var chat = chatClient.AsChatCompletionService(services);
        var toolResults = new List<string>();
        var pending = new StringBuilder();
        var sent = new StringBuilder();
        var unsupported = new List<UnsupportedFact>();
        var busy = false;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await foreach (var update in chat.GetStreamingChatMessageContentsAsync(history, settings, kernel, ct))
                {
                    if (string.IsNullOrEmpty(update.Content) || unsupported.Count > 0)
                    {
                        continue;
                    }
                    pending.Append(update.Content);
                    await FlushSentencesAsync(final: false);
                }
                await FlushSentencesAsync(final: true);
                break;
            }
            catch (Exception e) when (ModelBusy.Is(e))
            {
                // Only a turn that has done nothing yet is tried again: tools already run must not run twice.
                if (attempt < o.BusyRetries && sent.Length == 0 && pending.Length == 0 && filter.Calls.Count == 0)
                {
                    logger.LogInformation("Model busy in conversation {ConversationId}; trying again ({Attempt}/{Retries})", turn.Conversation.Id, attempt + 1, o.BusyRetries);
                    await Task.Delay(TimeSpan.FromSeconds(o.BusyRetrySeconds), time, ct);
                    continue;
                }
                logger.LogWarning("Model busy in conversation {ConversationId}; the customer is asked to send the message again", turn.Conversation.Id);
                busy = true;
                break;
            }
        }
        if (busy)
        {
            // Keep whatever was already said; the customer is then asked to send the message again.
            await FlushSentencesAsync(final: true);
        }
        else if (handoff.RequestedSummary is not null)
        {
            return new ModelTurnResult(handoff.RequestedReason, handoff.RequestedSummary, false);
        }

        var answer = unsupported.Count > 0 ? CorrectedAnswer : sent.ToString().Trim();
        if (busy)
        {
            answer = answer.Length > 0 ? answer + "\n\n" + BusyAnswer : BusyAnswer;
        }
        else if (answer.Length == 0)
        {
            answer = filter.Calls.Count > 0 ? "Done." : "Sorry, I don't have an answer to that. Could you put it another way?";
        }
        var state = new JsonObject
        {
            ["mode"] = "model",
            ["intent"] = "model",
            ["outcome"] = busy ? "busy" : unsupported.Count > 0 || filter.Calls.Count > 0 && filter.Calls.All(c => c.IsError) ? "failed" : "ok",
            ["tools"] = new JsonArray([.. filter.Calls.Select(c => (JsonNode)c.Name)]),
            // The next turn keeps offering these (a stable tool block keeps the conversation's KV cache valid).
            ["offered"] = new JsonArray([.. kernel.Plugins.Where(p => p.Name != HandoffPlugin.Name).SelectMany(p => p.Select(f => (JsonNode)ToolSelector.QualifiedName(p.Name, f.Name)))]),
        };
        if (unsupported.Count > 0)
        {
            state["unsupported_facts"] = new JsonArray([.. unsupported.Select(u => (JsonNode)$"{u.Kind}: {u.Value}")]);
            logger.LogWarning("Answer in conversation {ConversationId} named facts no tool returned ({Facts}); replaced", turn.Conversation.Id, string.Join(", ", unsupported.Select(u => u.Kind)));
        }
        await stream.CompleteAsync(new Activity { Text = answer, ChannelData = new JsonObject { [TranscriptEvents.StateKey] = state } }, ct);
        // A busy model is not the bot's failure: it does not count towards a handoff for repeated failures.
        return new ModelTurnResult(null, null, !busy && unsupported.Count > 0);

        async Task FlushSentencesAsync(bool final)
        {
            toolResults.Clear();
            toolResults.AddRange(filter.Calls.Select(c => c.Arguments.ToJsonString() + " " + c.Result));
            while (unsupported.Count == 0 && NextSentence(pending, final) is { } sentence)
            {
                var problems = FactChecker.Check(sentence, toolResults, text);
                if (problems.Count > 0)
                {
                    unsupported.AddRange(problems);
                    break;
                }
                sent.Append(sentence);
                await stream.AppendAsync(sentence, ct);
            }
        }
    }

    /// <summary>Takes the next whole sentence (or, at the end, the rest) off the front of <paramref name="buffer"/>.</summary>
    internal static string? NextSentence(StringBuilder buffer, bool final)
    {
        var s = buffer.ToString();
        for (var i = 0; i < s.Length; i++)
        {
            // "#W1234567." and "$12.50" keep their dots: a sentence ends at . ! ? or a newline followed by a space or the end.
            if (s[i] is '\n' || s[i] is '.' or '!' or '?' && (i + 1 < s.Length && char.IsWhiteSpace(s[i + 1])))
            {
                buffer.Remove(0, i + 1);
                return s[..(i + 1)];
            }
        }
        if (final && s.Length > 0)
        {
            buffer.Clear();
            return s;
        }
        return null;
    }

    /// <summary>The message's likely intents: the classifier's best, and the runner-up when it is close or the best is unsure.</summary>
    private async Task<IReadOnlyList<string>> LikelyIntentsAsync(string text, CancellationToken ct)
    {
        var p = await intents.ClassifyAsync(text, ct);
        return p.RunnerUp != p.Intent && (p.Score - p.RunnerUpScore < 0.05f || p.Score < options.Value.IntentThreshold)
            ? [p.Intent, p.RunnerUp]
            : [p.Intent];
    }

    /// <summary>Tools called during the two turns before this message.</summary>
    private static List<ToolCallRecord> RecentTools(Transcript transcript)
    {
        var calls = new List<ToolCallRecord>();
        var users = 0;
        foreach (var a in transcript.Activities.Select(s => s.Activity).Reverse())
        {
            if (a.Type == ActivityTypes.Message && a.From?.Role == RoleTypes.User && ++users > 3)
            {
                break;
            }
            if (a.Type == ActivityTypes.Event && a.Name == TranscriptEvents.Tool && a.Value is JsonObject value)
            {
                calls.Add(Transcript.ParseTool(value));
            }
        }
        return calls;
    }

    /// <summary>
    /// The system prompt and this turn's context note. The note (whether the customer is verified, the policy passages
    /// retrieved for the question) goes with the customer's latest message, not into the system prompt, so that the
    /// prompt's start (system prompt, tools, earlier turns) stays the same from turn to turn and the KV cache is reused.
    /// A system.txt that uses <c>{{$verified}}</c> or <c>{{$knowledge}}</c> itself gets them there instead.
    /// </summary>
    internal async Task<(string System, string Note, string Knowledge)> RenderSystemPromptAsync(string? verified, string question, CancellationToken ct)
    {
        var o = options.Value;
        var hits = question.Length == 0 ? [] : await knowledge.SearchAsync(question, 2, o.KnowledgeThreshold, ct);
        var knowledgeText = hits.Count == 0 ? "" : string.Join("\n", hits.Select(h => $"[{h.Passage.Citation}] {h.Passage.Text}"));
        var verifiedText = verified is null ? "no" : $"yes ({verified})";
        var system = await prompts.RenderAsync(PromptLibrary.SystemPromptFile, new KernelArguments
        {
            ["shop_name"] = o.ShopName,
            ["today"] = time.GetUtcNow().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["verified"] = verifiedText,
            ["knowledge"] = hits.Count == 0 ? "(none relevant)" : knowledgeText,
        }, ct);
        var template = await File.ReadAllTextAsync(Path.Combine(prompts.Folder, PromptLibrary.SystemPromptFile), ct);
        var note = new StringBuilder();
        if (!template.Contains("$verified", StringComparison.Ordinal))
        {
            note.Append("Customer verified: ").Append(verifiedText).Append('\n');
        }
        if (knowledgeText.Length > 0 && !template.Contains("$knowledge", StringComparison.Ordinal))
        {
            note.Append("Policy passages:\n").Append(knowledgeText).Append('\n');
        }
        return (system, note.Length == 0 ? "" : $"<context>\n{note}</context>\n\n", knowledgeText);
    }

    private async Task<(ChatHistory History, string Knowledge)> BuildHistoryAsync(Transcript transcript, string? verified, string text, CancellationToken ct)
    {
        var (system, note, knowledgeText) = await RenderSystemPromptAsync(verified, text, ct);
        var history = new ChatHistory(system);
        foreach (var stored in transcript.Activities)
        {
            var a = stored.Activity;
            if (a.Type == ActivityTypes.Message && !string.IsNullOrWhiteSpace(a.Text))
            {
                if (a.From?.Role == RoleTypes.User)
                {
                    history.AddUserMessage(a.Text);
                }
                else
                {
                    history.AddAssistantMessage(a.Text);
                }
            }
            else if (a.Type == ActivityTypes.Event && a.Name == TranscriptEvents.Tool && a.Value is JsonObject value && a.From?.Role != RoleTypes.User)
            {
                var call = Transcript.ParseTool(value);
                var (plugin, function) = (call.Plugin, call.Function);
                var id = $"call_{stored.Sequence}";
                var args = new KernelArguments();
                foreach (var (key, node) in call.Arguments)
                {
                    args[key] = node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node?.ToJsonString();
                }
                history.Add(new ChatMessageContent(AuthorRole.Assistant, [new FunctionCallContent(function, plugin, id, args)]));
                history.Add(new ChatMessageContent(AuthorRole.Tool, [new FunctionResultContent(function, plugin, id, call.Result)]));
            }
        }
        if (history.Count == 1 || history[^1].Role != AuthorRole.User)
        {
            history.AddUserMessage(text);
        }
        if (note.Length > 0)
        {
            history[^1] = new ChatMessageContent(AuthorRole.User, note + history[^1].Content);
        }
        return (history, knowledgeText);
    }
}
