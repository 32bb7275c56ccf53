namespace ChatAgent.Llm.Hosting;

/// <summary>
/// What the model's recent turns ended with, fed by the orchestrator: the <c>model</c> health check reports Degraded
/// while turns fail (the model errors, the prompt does not fit) and Healthy again after the next answered turn. A busy
/// model is not a failure.
/// </summary>
public sealed class ModelTurnOutcomes
{
    private readonly object _gate = new();
    private int _consecutiveFailures;
    private long _failures;
    private long _answered;
    private string? _lastError;
    private DateTimeOffset? _lastFailureAt;

    /// <summary>A model turn produced an answer.</summary>
    public void Answered()
    {
        lock (_gate)
        {
            _answered++;
            _consecutiveFailures = 0;
        }
    }

    /// <summary>A model turn failed with <paramref name="error"/> (the customer got an apology).</summary>
    public void Failed(Exception error, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(error);
        lock (_gate)
        {
            _failures++;
            _consecutiveFailures++;
            _lastError = $"{error.GetType().Name}: {error.Message}";
            _lastFailureAt = at;
        }
    }

    /// <summary>Failures since the last answered turn, the totals, and the last error.</summary>
    public (int ConsecutiveFailures, long Failures, long Answered, string? LastError, DateTimeOffset? LastFailureAt) Snapshot()
    {
        lock (_gate)
        {
            return (_consecutiveFailures, _failures, _answered, _lastError, _lastFailureAt);
        }
    }
}
