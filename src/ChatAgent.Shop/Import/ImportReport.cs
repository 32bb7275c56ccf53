namespace ChatAgent.Shop.Import;

/// <summary>A row an import refused, and why.</summary>
public sealed record RejectedRow(string Row, string Reason);

/// <summary>What an import did. Imports never abort on a bad row: they reject it here and go on.</summary>
public sealed class ImportReport
{
    private readonly List<RejectedRow> _rejected = [];

    public int Read { get; private set; }
    public int Inserted { get; private set; }
    public int Updated { get; private set; }
    /// <summary>Rows already in the store (imports are idempotent: a second run inserts nothing).</summary>
    public int AlreadyPresent { get; private set; }
    public IReadOnlyList<RejectedRow> Rejected => _rejected;
    /// <summary>Customer records created for a purchase log's customer ids (id only, no login data).</summary>
    public int CustomersCreated { get; set; }

    public void CountRead() => Read++;
    public void CountInserted() => Inserted++;
    public void CountUpdated() => Updated++;
    public void CountAlreadyPresent() => AlreadyPresent++;
    public void Reject(string row, string reason) => _rejected.Add(new RejectedRow(row, reason));

    public override string ToString() =>
        $"{Read} rows read: {Inserted} inserted, {Updated} updated, {AlreadyPresent} already present, {_rejected.Count} rejected"
        + (CustomersCreated > 0 ? $"; {CustomersCreated} customers created" : "");

    /// <summary>Prints the summary and every rejected row (the first <paramref name="maxRejected"/>).</summary>
    public void WriteTo(TextWriter output, int maxRejected = 50)
    {
        output.WriteLine(ToString());
        foreach (var r in _rejected.Take(maxRejected))
        {
            output.WriteLine($"  rejected {r.Row}: {r.Reason}");
        }
        if (_rejected.Count > maxRejected)
        {
            output.WriteLine($"  ... and {_rejected.Count - maxRejected} more rejected rows");
        }
    }
}
