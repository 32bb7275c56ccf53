using System.ComponentModel.DataAnnotations;

namespace ChatAgent.Orchestration;

/// <summary>The <c>Orchestrator</c> section of <c>appsettings.json</c>.</summary>
public sealed class OrchestratorOptions
{
    public const string Section = "Orchestrator";

    /// <summary>False keeps the placeholder echo bot (for transport tests); the orchestrator answers otherwise.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Folder of prompt-template files (<c>system.txt</c>, <c>handoff-message.txt</c>); relative to the content root.</summary>
    [Required] public string PromptsPath { get; set; } = "prompts";

    /// <summary>Folder of the shop's policy documents (markdown), answered from in both modes; relative to the content root.</summary>
    [Required] public string KnowledgePath { get; set; } = "knowledge";

    /// <summary>The shop's name, offered to prompts as <c>{{$shop_name}}</c>.</summary>
    [Required] public string ShopName { get; set; } = "the shop";

    /// <summary>Longest customer message the bot reads; longer ones are declined politely.</summary>
    [Range(50, 100_000)] public int MaxInputCharacters { get; set; } = 2000;

    /// <summary>
    /// Tokens of history (system prompt included) sent to the model; older turns are summarised. A local model caps it
    /// further at what its context holds for one conversation (<c>Model:PromptTokens</c> less the tools).
    /// </summary>
    [Range(256, 1_000_000)] public int HistoryTokenBudget { get; set; } = 3000;

    /// <summary>
    /// Which tools each model turn offers: <c>Intent</c> (default) picks them from the message's
    /// likely intents and the dialogue state to keep the prompt small; <c>All</c> offers every
    /// enabled plugin's tools every turn.
    /// </summary>
    public Model.ToolSelectionMode ToolSelection { get; set; } = Model.ToolSelectionMode.Intent;

    /// <summary>Tool errors within the recent turns that hand the conversation to a human.</summary>
    [Range(1, 100)] public int MaxToolErrors { get; set; } = 3;

    /// <summary>Consecutive failed answers to the same request that hand the conversation to a human.</summary>
    [Range(1, 100)] public int MaxFailedAttempts { get; set; } = 2;

    /// <summary>No-model mode: the intent score below which the bot asks again instead of acting.</summary>
    [Range(0.0, 1.0)] public double IntentThreshold { get; set; } = 0.45;

    /// <summary>Policy passages scoring below this similarity are not quoted.</summary>
    [Range(0.0, 1.0)] public double KnowledgeThreshold { get; set; } = 0.35;

    /// <summary>
    /// Ask the model for at least one tool call in each turn's first step (for small local models that otherwise
    /// answer from memory); later steps are free. Off by default.
    /// </summary>
    public bool RequireToolCallFirst { get; set; }

    /// <summary>
    /// When the model is busy (the local engine's slots and queue are full, or an endpoint answers 429/503), the turn
    /// is tried again this many times, <see cref="BusyRetrySeconds"/> apart, before the customer is told to try again.
    /// </summary>
    [Range(0, 20)] public int BusyRetries { get; set; } = 2;

    /// <summary>Seconds between tries when the model is busy.</summary>
    [Range(0.0, 60.0)] public double BusyRetrySeconds { get; set; } = 2;
}
