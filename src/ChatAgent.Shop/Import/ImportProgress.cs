using System.Diagnostics;
using System.Globalization;

namespace ChatAgent.Shop.Import;

/// <summary>
/// Terminal progress for long imports: rows done, rows/s and ETA, redrawn in place on a terminal (at most ~4 times a
/// second) and printed as occasional plain lines when output is redirected (CI logs).
/// </summary>
public sealed class ImportProgress
{
    private readonly TextWriter _output;
    private readonly string _label;
    private readonly bool _interactive;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    // The first line waits one interval too, so the rate and ETA rest on more than a single row.
    private TimeSpan _lastDraw = TimeSpan.Zero;
    private long _done;

    /// <param name="output">Where to draw (usually <c>Console.Error</c>, so stdout stays clean for reports).</param>
    /// <param name="label">What is being imported.</param>
    /// <param name="total">Total rows when known; ETA is shown only then.</param>
    /// <param name="interactive">Redraw one line with carriage returns; defaults to "output is a terminal".</param>
    public ImportProgress(TextWriter output, string label, long? total, bool? interactive = null)
    {
        _output = output;
        _label = label;
        Total = total;
        _interactive = interactive ?? (ReferenceEquals(output, Console.Error) ? !Console.IsErrorRedirected : ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected);
    }

    /// <summary>A progress sink that draws nothing (tests, library use).</summary>
    public static ImportProgress Silent(long? total = null) => new(TextWriter.Null, "", total, interactive: false);

    public long? Total { get; set; }
    public long Done => _done;

    public void Advance(long rows = 1)
    {
        _done += rows;
        var now = _clock.Elapsed;
        var every = _interactive ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(10);
        if (now - _lastDraw >= every)
        {
            _lastDraw = now;
            Draw(final: false);
        }
    }

    /// <summary>Draws the final line.</summary>
    public void Complete() => Draw(final: true);

    /// <summary>The status line, e.g. <c>orders: 1,200/3,000 (40%)  850 rows/s  ETA 0:02</c>.</summary>
    public string Describe()
    {
        var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 1e-3);
        var rate = _done / seconds;
        var text = Total is { } total && total > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{_label}: {_done:N0}/{total:N0} ({100.0 * _done / total:0}%)  {rate:N0} rows/s")
            : string.Create(CultureInfo.InvariantCulture, $"{_label}: {_done:N0} rows  {rate:N0} rows/s");
        if (Total is { } t && t > _done && rate > 0 && (seconds >= 1 || _done * 20 >= t))
        {
            var eta = TimeSpan.FromSeconds((t - _done) / rate);
            text += $"  ETA {(int)eta.TotalMinutes}:{eta.Seconds:00}";
        }
        else if (Total is not null)
        {
            text += string.Create(CultureInfo.InvariantCulture, $"  in {seconds:0.0}s");
        }
        return text;
    }

    private void Draw(bool final)
    {
        if (ReferenceEquals(_output, TextWriter.Null))
        {
            return;
        }
        if (_interactive)
        {
            _output.Write("\r" + Describe().PadRight(78));
            if (final)
            {
                _output.WriteLine();
            }
        }
        else
        {
            _output.WriteLine(Describe());
        }
    }
}
