using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Service;
using ChatAgent.Orchestration.Guardrails;
using ChatAgent.Orchestration.Handoff;
using ChatAgent.Orchestration.Model;
using ChatAgent.Orchestration.NoModel;
using ChatAgent.Orchestration.State;
using ChatAgent.Shop.Conversations;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatAgent.Orchestration;

/// <summary>
/// The bot behind the conversation service. For each customer message: the confirmation gate first (the customer's own
/// words decide a waiting change), input limits, the hand-over triggers that live in code, then either the language
/// model (when an <see cref="IChatClient"/> is registered) or the no-model intent engine; afterwards the triggers that
/// depend on how the turn went (verification lockout, repeated failures, repeated tool errors).
/// </summary>
public sealed class OrchestratorBot : IBot
{
    private readonly IServiceProvider _services;
    private readonly ConfirmationGate _gate;
    private readonly CustomerSessionFactory _sessions;
    private readonly TranscriptReader _transcripts;
    private readonly HandoffService _handoff;
    private readonly OrchestratorOptions _options;
    private readonly ILogger<OrchestratorBot> _logger;
    private readonly IChatClient? _chatClient;

    public OrchestratorBot(IServiceProvider services, ConfirmationGate gate, CustomerSessionFactory sessions, TranscriptReader transcripts, HandoffService handoff, IOptions<OrchestratorOptions> options, ILogger<OrchestratorBot> logger)
    {
        _services = services;
        _gate = gate;
        _sessions = sessions;
        _transcripts = transcripts;
        _handoff = handoff;
        _options = options.Value;
        _logger = logger;
        _chatClient = services.GetService<IChatClient>();
    }

    /// <summary>True when answers come from a language model; false in no-model mode.</summary>
    public bool UsesModel => _chatClient is not null;

    public async Task OnTurnAsync(ITurnContext turn, CancellationToken cancellationToken)
    {
        var conversationId = turn.Conversation.Id;
        var raw = turn.Activity.Text ?? "";
        // Before anything else reads the message: only this message can confirm a change proposed in the previous turn.
        // Keyed by the message: a turn resumed after a crash gets the decision its first run made, not a new one.
        var confirmation = await _gate.OnCustomerMessageAsync(conversationId, raw, turn.Activity.Id, cancellationToken);
        _logger.LogInformation("Turn in {ConversationId}: \"{Text}\" (confirmation: {Decision})", conversationId, Redactor.Redact(raw), confirmation.Decision);

        var session = _sessions.Create(conversationId, turn.Conversation.UserId);
        var transcript = await _transcripts.ReadAsync(turn, cancellationToken);

        var input = InputGuard.Check(raw, _options.MaxInputCharacters);
        if (input.Refusal is not null)
        {
            // "declined", not "failed": an over-long or empty message is not the bot failing to understand, and must not
            // push the conversation towards a handoff for repeated failures.
            await turn.SendAsync(new Activity { Text = input.Refusal, ChannelData = State("input", "declined") }, cancellationToken);
            return;
        }
        var text = input.Text;

        if (HandoffTriggers.FromMessage(text) is { } reason)
        {
            await _handoff.EscalateAsync(turn, transcript, session, reason, null, cancellationToken);
            return;
        }
        if (transcript.RecentToolErrors(turns: 3) >= _options.MaxToolErrors)
        {
            await _handoff.EscalateAsync(turn, transcript, session, HandoffReasons.ToolErrors, null, cancellationToken);
            return;
        }

        string? handoffReason;
        string? handoffSummary = null;
        bool failed;
        if (_chatClient is not null)
        {
            var result = await _services.GetRequiredService<ModelTurnRunner>().RunAsync(_chatClient, turn, transcript, session, confirmation, text, cancellationToken);
            (handoffReason, handoffSummary, failed) = (result.HandoffReason, result.HandoffSummary, result.Failed);
        }
        else
        {
            var result = await _services.GetRequiredService<IntentEngine>().RunAsync(turn, transcript, session, confirmation, text, cancellationToken);
            (handoffReason, failed) = (result.HandoffReason, result.Failed);
        }

        if (handoffReason is null)
        {
            var state = await session.GetStateAsync(cancellationToken);
            var after = await _transcripts.ReadAsync(conversationId, cancellationToken);
            if (state.NeedsHuman)
            {
                handoffReason = HandoffReasons.VerificationLocked;
            }
            else if (failed && after.FailureStreak() >= _options.MaxFailedAttempts)
            {
                handoffReason = HandoffReasons.RepeatedFailure;
            }
            else if (after.RecentToolErrors(turns: 3) >= _options.MaxToolErrors)
            {
                handoffReason = HandoffReasons.ToolErrors;
            }
            transcript = after;
        }
        if (handoffReason is not null)
        {
            await _handoff.EscalateAsync(turn, handoffReason == HandoffReasons.ModelRequested || handoffSummary is not null ? await _transcripts.ReadAsync(conversationId, cancellationToken) : transcript, session, handoffReason, handoffSummary, cancellationToken);
        }
    }

    private static JsonObject State(string intent, string outcome) =>
        new() { [TranscriptEvents.StateKey] = new JsonObject { ["intent"] = intent, ["outcome"] = outcome } };
}
