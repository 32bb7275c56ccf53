using System.ComponentModel;
using Microsoft.SemanticKernel;

namespace ChatAgent.Orchestration.Handoff;

/// <summary>
/// The model's way to a human. Calling it only records the request: the orchestrator performs the hand-over after the
/// tool step (marks the conversation escalated, stores the summary, tells the customer), so the model cannot skip it.
/// </summary>
public sealed class HandoffPlugin
{
    public const string Name = "handoff";

    public string? RequestedSummary { get; private set; }
    public string? RequestedReason { get; private set; }

    [KernelFunction("transfer_to_human"), Description("Hands the conversation to a human agent: when the customer asks for a person, is upset, or needs something outside policy or outside what the tools can do.")]
    public string TransferToHuman(
        [Description("Summary for the agent: who the customer is, which orders, what they want, what was tried")] string summary,
        [Description("Short reason, e.g. 'customer asked for a person'")] string reason = "")
    {
        RequestedSummary = summary;
        RequestedReason = string.IsNullOrWhiteSpace(reason) ? HandoffReasons.ModelRequested : reason.Trim();
        return """{"transferred":true,"note":"A person will take over; tell the customer briefly."}""";
    }
}
