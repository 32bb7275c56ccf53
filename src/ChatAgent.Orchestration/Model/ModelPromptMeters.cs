using System.Diagnostics.Metrics;

namespace ChatAgent.Orchestration.Model;

/// <summary>Tokens of each part of one model request's prompt (what fills the context).</summary>
/// <param name="System">The system prompt without the policy passages.</param>
/// <param name="Tools">The description of the offered tools.</param>
/// <param name="Knowledge">The policy passages retrieved for the question.</param>
/// <param name="History">The conversation (after reduction), the customer's message included.</param>
/// <param name="ToolCount">Tools offered.</param>
/// <param name="Exact">Counted with the model's tokenizer (false: estimated, about four characters a token).</param>
public sealed record PromptParts(int System, int Tools, int Knowledge, int History, int ToolCount, bool Exact)
{
    /// <summary>The history was shortened (older turns summarised) to fit the prompt budget.</summary>
    public bool HistoryReduced { get; init; }

    /// <summary>All parts together.</summary>
    public int Total => System + Tools + Knowledge + History;
}

/// <summary>
/// <c>chatagent.model.prompt.tokens</c> on the <c>ChatAgent</c> meter (exported at <c>/metrics</c>): tokens per prompt
/// part (<c>part</c> = system, tools, knowledge, history, total) of each model turn's first request.
/// </summary>
public sealed class ModelPromptMeters
{
    /// <summary>The instrument's name (Prometheus: <c>chatagent_model_prompt_tokens</c>).</summary>
    public const string PromptTokensName = "chatagent.model.prompt.tokens";

    /// <summary>The meter name, the same as the service defaults' telemetry name.</summary>
    public const string MeterName = "ChatAgent";

    private readonly Histogram<int> _tokens;

    public ModelPromptMeters(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _tokens = meters.Create(MeterName).CreateHistogram(PromptTokensName, unit: "{token}",
            description: "Tokens of each part of a model turn's prompt (part: system, tools, knowledge, history, total).",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [64, 128, 256, 512, 1024, 1500, 2048, 4096, 8192, 16384, 32768] });
    }

    /// <summary>Records one prompt's parts.</summary>
    public void Record(PromptParts parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        _tokens.Record(parts.System, new KeyValuePair<string, object?>("part", "system"));
        _tokens.Record(parts.Tools, new KeyValuePair<string, object?>("part", "tools"));
        _tokens.Record(parts.Knowledge, new KeyValuePair<string, object?>("part", "knowledge"));
        _tokens.Record(parts.History, new KeyValuePair<string, object?>("part", "history"));
        _tokens.Record(parts.Total, new KeyValuePair<string, object?>("part", "total"));
    }
}
