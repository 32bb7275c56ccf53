using System.Diagnostics;

namespace ChatAgent.Shop.Import;

/// <summary>
/// One self-overwriting status line (rows/s and ETA) on an interactive terminal; plain lines every few seconds when
/// output is redirected, so logs stay readable.
/// </summary>
public sealed class TerminalProgress(TextWriter output, string label)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _interactive = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
    private TimeSpan _lastReport = TimeSpan.MinValue;

    /// <summary>A silent instance for tests and library callers.</summary>
    public static TerminalProgress None { get; } = new(TextWriter.Null, "");

    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Reports <paramref name="done"/> units; <paramref name="fraction"/> (0..1) of the whole gives the ETA.</summary>
    public void Report(long done, double fraction, bool force = false)
    {
        var now = _clock.Elapsed;
        var interval = _interactive ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(5);
        if (!force && now - _lastReport < interval)
        {
            return;
        }
        _lastReport = now;
        var rate = done / Math.Max(now.TotalSeconds, 1e-3);
        var eta = fraction > 0.001 && fraction < 1 ? TimeSpan.FromSeconds(now.TotalSeconds * (1 - fraction) / fraction) : TimeSpan.Zero;
        var line = $"{label}: {done:N0} rows, {rate:N0} rows/s, {Math.Clamp(fraction, 0, 1):P0}, ETA {eta:hh\\:mm\\:ss}";
        if (_interactive)
        {
            output.Write("\r" + line.PadRight(Math.Max(0, Console.WindowWidth - 1 > 0 ? Math.Min(Console.WindowWidth - 1, 120) : 100)));
        }
        else
        {
            output.WriteLine(line);
        }
    }

    /// <summary>Ends the status line.</summary>
    public void Done(long done)
    {
        Report(done, 1, force: true);
        if (_interactive)
        {
            output.WriteLine();
        }
    }
}
