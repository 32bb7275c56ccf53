using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Service;
using ChatAgent.Orchestration.Guardrails;
using ChatAgent.Orchestration.Model;
using ChatAgent.Orchestration.State;
using ChatAgent.Shop.Conversations;
using ChatAgent.Shop.Plugins;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel;

namespace ChatAgent.Orchestration.NoModel;

/// <summary>What a no-model turn ended with: nothing more to do, or a hand-over.</summary>
internal sealed record IntentTurnResult(string? HandoffReason, bool Failed);

/// <summary>
/// One no-model turn's plumbing: the conversation's plugins, tool calls recorded in the transcript, the dialogue state,
/// and the reply (its text, buttons, attachments, and the state it carries in <c>channelData.chatagent</c>).
/// </summary>
internal sealed class FlowTurn(IntentEngine engine, ITurnContext turn, CustomerSession session, DialogueState state, string language, CancellationToken ct)
{
    private IReplyStream? _stream;
    private IReadOnlyList<KernelPlugin>? _plugins;
    private readonly List<string> _prefix = [];

    public CustomerSession Session => session;
    public CancellationToken Ct => ct;
    public DialogueState State => state;
    public string Language => language;
    public IReadOnlyList<KernelPlugin> Plugins => _plugins ??= engine.Catalog.CreatePlugins(engine.Services, session);

    /// <summary>A sentence said before this turn's answer (e.g. "You're verified.").</summary>
    public void Say(string sentence) => _prefix.Add(sentence);

    /// <summary>Renders a reply template in the conversation's language.</summary>
    public string T(string key, params (string Name, string? Value)[] values) => engine.Replies.Render(key, language, values);

    public bool HasFunction(string function) => Plugins.SelectMany(p => p).Any(f => f.Name == function);

    public async Task<string?> CallAsync(string function, KernelArguments arguments, string? plugin = null)
    {
        var (owner, fn) = Plugins.SelectMany(p => p.Select(f => (Plugin: p, Function: f)))
            .FirstOrDefault(x => x.Function.Name == function && (plugin is null || x.Plugin.Name == plugin));
        if (fn is null)
        {
            return null;
        }
        _stream ??= turn.BeginStream();
        await _stream.InformAsync(ToolCallFilter.Describe(function, [.. arguments]), ct);
        string result;
        try
        {
            var value = await fn.InvokeAsync(new Kernel(engine.Services), arguments, ct);
            result = value.GetValue<object>()?.ToString() ?? "";
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            engine.Logger.LogWarning(ex, "Tool {Tool} failed in conversation {ConversationId}", function, turn.Conversation.Id);
            result = ToolResult.Refused("The shop's system could not complete this request right now.");
        }
        var record = Transcript.ToolValue(owner.Name, function, arguments, result, Transcript.IsToolError(result));
        await turn.SendAsync(new Activity { Type = ActivityTypes.Event, Name = TranscriptEvents.Tool, Value = record }, ct);
        engine.Logger.LogInformation("Tool {Tool}({Arguments})", function, Redactor.Redact(record["arguments"]!.ToJsonString()));
        return result;
    }

    /// <summary>
    /// Sends the answer. <paramref name="outcome"/>: <c>ok</c>, <c>failed</c> (counts towards a hand-over) or
    /// <c>clarify</c> (a question back, not yet a failure). <paramref name="attachments"/> are cards shown with the text.
    /// </summary>
    public async Task<IntentTurnResult> ReplyAsync(string intent, string text, bool failed = false, IReadOnlyList<OfferedChoice>? choices = null, IReadOnlyList<Attachment>? attachments = null, JsonObject? extra = null, string? outcome = null)
    {
        var top = state.Top;
        var status = new JsonObject { ["mode"] = "intent", ["intent"] = intent, ["outcome"] = outcome ?? (failed ? "failed" : "ok") };
        if (top?.Waiting is { } waiting)
        {
            status["awaiting"] = waiting.Kind;
        }
        if (top?.Slot("order_id") is { } orderId)
        {
            status["order_id"] = orderId;
        }
        foreach (var (k, v) in extra ?? [])
        {
            status[k] = v?.DeepClone();
        }
        status[DialogueState.Key] = state.ToJson();
        var full = string.Join("\n\n", _prefix.Append(text).Where(s => !string.IsNullOrWhiteSpace(s)));
        var reply = new Activity
        {
            Text = full,
            ChannelData = new JsonObject { [TranscriptEvents.StateKey] = status },
            SuggestedActions = choices is null || choices.Count == 0 ? null : new SuggestedActions { Actions = [.. choices.Select(c => CardAction.ImBack(c.Title))] },
            Attachments = attachments is null || attachments.Count == 0 ? null : [.. attachments],
        };
        if (_stream is not null)
        {
            await _stream.CompleteAsync(reply, ct);
        }
        else
        {
            reply.TextFormat = "markdown";
            await turn.SendAsync(reply, ct);
        }
        return new IntentTurnResult(null, failed);
    }
}
