namespace ChatAgent.Shop.Import;

/// <summary>A row an import refused, and why.</summary>
public sealed record RejectedRow(long Line, string Reason);

/// <summary>What an import did: rows added, updated, unchanged, and rejected with reasons.</summary>
public sealed class ImportReport(string what)
{
    private const int KeptRejections = 200;
    private readonly List<RejectedRow> _rejected = [];
    private readonly Dictionary<string, int> _rejectionsByReason = [];

    public string What { get; } = what;
    public int Read { get; set; }
    public int Added { get; set; }
    public int Updated { get; set; }
    public int Unchanged { get; set; }
    public int RejectedCount { get; private set; }
    public TimeSpan Elapsed { get; set; }

    /// <summary>The first rejected rows (all counted in <see cref="RejectedCount"/>).</summary>
    public IReadOnlyList<RejectedRow> Rejected => _rejected;

    /// <summary>Rejections grouped by the reason's kind (its text before the first colon).</summary>
    public IReadOnlyDictionary<string, int> RejectionsByReason => _rejectionsByReason;

    public void Reject(long line, string reason)
    {
        RejectedCount++;
        if (_rejected.Count < KeptRejections)
        {
            _rejected.Add(new RejectedRow(line, reason));
        }
        var kind = reason.Split(':', 2)[0];
        _rejectionsByReason[kind] = _rejectionsByReason.GetValueOrDefault(kind) + 1;
    }

    public void WriteTo(TextWriter output)
    {
        output.WriteLine($"{What}: {Read:N0} rows read, {Added:N0} added, {Updated:N0} updated, {Unchanged:N0} unchanged, {RejectedCount:N0} rejected ({Elapsed.TotalSeconds:F1} s).");
        if (RejectedCount > 0)
        {
            foreach (var (reason, count) in _rejectionsByReason.OrderByDescending(r => r.Value))
            {
                output.WriteLine($"  {count,8:N0} × {reason}");
            }
            foreach (var row in _rejected.Take(20))
            {
                output.WriteLine($"  line {row.Line}: {row.Reason}");
            }
            if (RejectedCount > 20)
            {
                output.WriteLine($"  ... and {RejectedCount - 20:N0} more rejected rows.");
            }
        }
    }
}
