using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Service;
using ChatAgent.Llm.Chat;
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
/// customer), the system prompt from <c>prompts/</c> with the relevant policy passages, the history from the transcript
/// reduced to the token budget, automatic tool calls, and an answer streamed sentence by sentence — each sentence
/// sent only after its order facts were found in the turn's tool results.
/// </summary>
internal sealed class ModelTurnRunner(
    IServiceProvider services,
    PluginCatalog catalog,
    PromptLibrary prompts,
    KnowledgeBase knowledge,
    IOptions<OrchestratorOptions> options,
    TimeProvider time,
    ILogger<ModelTurnRunner> logger)
{
    public const string BusyAnswer = "I'm sorry — we're answering a lot of customers right now and I couldn't get to your message. Please send it again in a minute; nothing you wrote is lost.";

    public const string CorrectedAnswer = "I'm sorry — I couldn't confirm some of the order details I was about to give you, so I won't guess. Could you tell me the order number (like #W1234567) so I can look it up for you?";

    public async Task<ModelTurnResult> RunAsync(IChatClient chatClient, ITurnContext turn, Transcript transcript, CustomerSession session, ConfirmationOutcome confirmation, string text, CancellationToken ct)
    {
        var o = options.Value;
        var stream = turn.BeginStream();
        var handoff = new HandoffPlugin();
        var filter = new ToolCallFilter(turn, stream, confirmation, handoff, logger);

        var kernel = new Kernel(services);
        kernel.Plugins.AddRange(catalog.CreatePlugins(services, session));
        kernel.Plugins.AddFromObject(handoff, HandoffPlugin.Name);
        kernel.AutoFunctionInvocationFilters.Add(filter);

        var history = await BuildHistoryAsync(transcript, session, text, ct);
        var reduced = await new TokenAwareHistoryReducer(o.HistoryTokenBudget).ReduceAsync(history, ct);
        if (reduced is not null)
        {
            history = new ChatHistory(reduced);
        }

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

    private async Task<ChatHistory> BuildHistoryAsync(Transcript transcript, CustomerSession session, string text, CancellationToken ct)
    {
        var o = options.Value;
        var hits = await knowledge.SearchAsync(text, 2, o.KnowledgeThreshold, ct);
        var verified = await session.GetVerifiedCustomerIdAsync(ct);
        var system = await prompts.RenderAsync(PromptLibrary.SystemPromptFile, new KernelArguments
        {
            ["shop_name"] = o.ShopName,
            ["today"] = time.GetUtcNow().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["verified"] = verified is null ? "no" : $"yes ({verified})",
            ["knowledge"] = hits.Count == 0 ? "(none relevant)" : string.Join("\n", hits.Select(h => $"[{h.Passage.Citation}] {h.Passage.Text}")),
        }, ct);

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
        return history;
    }
}
