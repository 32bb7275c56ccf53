using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Service;
using ChatAgent.Conversations.Store;
using ChatAgent.Orchestration.Guardrails;
using ChatAgent.Orchestration.Model;
using ChatAgent.Orchestration.State;
using ChatAgent.Shop.Conversations;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel;

namespace ChatAgent.Orchestration.Handoff;

/// <summary>
/// Hands a conversation to a human: marks it escalated (the scheduler then keeps the bot silent), records the reason
/// and an agent-facing summary (who, which orders, what was tried) as a <c>handoff</c> event in the transcript, and
/// tells the customer what happens next.
/// </summary>
public sealed partial class HandoffService(ConversationStore store, PromptLibrary prompts, ILogger<HandoffService> logger)
{
    public async Task<HandoffRecord> EscalateAsync(ITurnContext turn, Transcript transcript, CustomerSession session, string reason, string? assistantSummary, CancellationToken cancellationToken)
    {
        var customerId = await session.GetVerifiedCustomerIdAsync(cancellationToken);
        var summary = BuildSummary(turn, transcript, customerId, reason, assistantSummary, out var orderIds);
        var record = new HandoffRecord(reason, summary, customerId, orderIds, DateTimeOffset.UtcNow);

        await turn.SendAsync(new Activity
        {
            Type = ActivityTypes.Event,
            Name = TranscriptEvents.Handoff,
            Value = new JsonObject
            {
                ["reason"] = reason,
                ["summary"] = summary,
                ["customer_id"] = customerId,
                ["order_ids"] = new JsonArray([.. orderIds.Select(o => (JsonNode)o)]),
            },
        }, cancellationToken);
        await store.SetStatusAsync(turn.Conversation.Id, ConversationStatus.Escalated, cancellationToken);

        var message = await prompts.RenderAsync(PromptLibrary.HandoffMessageFile, new KernelArguments
        {
            ["reason_text"] = reason == HandoffReasons.CustomerAsked ? "" : " so a person can take it from here",
        }, cancellationToken);
        await turn.SendAsync(new Activity
        {
            Type = ActivityTypes.Message,
            Text = message,
            ChannelData = new JsonObject { [TranscriptEvents.StateKey] = new JsonObject { ["intent"] = "handoff", ["outcome"] = "handoff", ["reason"] = reason } },
        }, cancellationToken);
        logger.LogInformation("Conversation {ConversationId} handed to a human: {Reason}", turn.Conversation.Id, reason);
        return record;
    }

    internal static string BuildSummary(ITurnContext turn, Transcript transcript, string? customerId, string reason, string? assistantSummary, out IReadOnlyList<string> orderIds)
    {
        var customerTexts = transcript.Messages.Where(m => m.From?.Role == RoleTypes.User).Select(m => m.Text ?? "").ToList();
        if (turn.Activity.Text is { } current && (customerTexts.Count == 0 || customerTexts[^1] != current))
        {
            customerTexts.Add(current);
        }
        var tools = transcript.ToolCalls.ToList();
        orderIds = customerTexts.Concat(tools.Select(t => t.Arguments.ToJsonString() + " " + t.Result))
            .SelectMany(t => OrderId().Matches(t).Select(m => "#W" + m.Groups["d"].Value))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var intents = transcript.Messages.Where(m => m.From?.Role == RoleTypes.Bot)
            .Select(m => (m.ChannelData?[TranscriptEvents.StateKey] as JsonObject)?["intent"]?.GetValue<string>())
            .OfType<string>().Where(i => i != "handoff").Distinct().ToList();

        var sb = new StringBuilder();
        sb.AppendLine($"Reason: {reason}.");
        sb.AppendLine(customerId is null ? "Customer: not verified." : $"Customer: {customerId} (verified).");
        sb.AppendLine(orderIds.Count == 0 ? "Orders: none mentioned." : $"Orders: {string.Join(", ", orderIds)}.");
        if (intents.Count > 0)
        {
            sb.AppendLine($"Requests understood: {string.Join(", ", intents)}.");
        }
        if (tools.Count > 0)
        {
            sb.AppendLine("Tried: " + string.Join("; ", tools.TakeLast(8).Select(t => $"{t.Name}({Redactor.Redact(t.Arguments.ToJsonString())}) {(t.IsError ? "failed" : "ok")}")) + ".");
        }
        sb.AppendLine($"Last customer message: \"{Truncate(customerTexts.LastOrDefault() ?? "", 300)}\"");
        if (!string.IsNullOrWhiteSpace(assistantSummary))
        {
            sb.AppendLine($"Assistant's note: {Truncate(assistantSummary.Trim(), 600)}");
        }
        return sb.ToString().TrimEnd();
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max] + "…";

    [GeneratedRegex(@"#?W(?<d>\d{7})\b")]
    private static partial Regex OrderId();
}
