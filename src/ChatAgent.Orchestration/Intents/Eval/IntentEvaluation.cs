using System.Globalization;
using System.Text;

namespace ChatAgent.Orchestration.Intents.Eval;

/// <summary>Per-intent precision and recall.</summary>
public sealed record IntentScore(string Intent, int Support, int Predicted, int Correct)
{
    public double Precision => Predicted == 0 ? 0 : (double)Correct / Predicted;
    public double Recall => Support == 0 ? 0 : (double)Correct / Support;
}

/// <summary>The result of classifying a labelled file: accuracy, per-intent scores and the most frequent confusions.</summary>
public sealed record IntentEvaluationReport(int Total, int Correct, int Unmapped, IReadOnlyList<IntentScore> PerIntent, IReadOnlyList<(string Expected, string Predicted, int Count)> Confusions)
{
    public double Accuracy => Total == 0 ? 0 : (double)Correct / Total;

    public string Format(int topConfusions = 10)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(ci, $"accuracy {Accuracy:F4} ({Correct}/{Total}){(Unmapped > 0 ? $"; {Unmapped} line(s) skipped: intent not mapped" : "")}");
        sb.AppendLine(ci, $"{"intent",-18} {"support",8} {"precision",10} {"recall",8}");
        foreach (var s in PerIntent)
        {
            sb.AppendLine(ci, $"{s.Intent,-18} {s.Support,8} {s.Precision,10:F3} {s.Recall,8:F3}");
        }
        sb.AppendLine("top confusions (expected -> predicted):");
        foreach (var (expected, predicted, count) in Confusions.Take(topConfusions))
        {
            sb.AppendLine(ci, $"  {expected} -> {predicted}: {count}");
        }
        return sb.ToString();
    }
}

/// <summary>Runs the classifier over a labelled file whose intent names may be foreign (mapped to ours).</summary>
public static class IntentEvaluation
{
    /// <summary>The built-in mapping from the Bitext customer-support intents to ours.</summary>
    public static IReadOnlyDictionary<string, string> BitextMapping()
    {
        using var stream = IntentClassifier.Assembly.GetManifestResourceStream("ChatAgent.Orchestration.Intents.bitext-map.txt")
            ?? throw new InvalidOperationException("The built-in bitext mapping is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return ParseMapping(reader.ReadToEnd().Split('\n'));
    }

    /// <summary>Parses <c>foreign=ours</c> pairs (lines or comma-separated items; <c>#</c> starts a comment).</summary>
    public static Dictionary<string, string> ParseMapping(IEnumerable<string> items)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var raw in items.SelectMany(i => i.Split(',')))
        {
            var item = raw.Trim();
            if (item.Length == 0 || item.StartsWith('#'))
            {
                continue;
            }
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == item.Length - 1)
            {
                throw new FormatException($"Bad mapping '{item}': expected foreign=ours.");
            }
            map[item[..eq].Trim()] = item[(eq + 1)..].Trim();
        }
        return map;
    }

    public static async Task<IntentEvaluationReport> EvaluateAsync(IntentClassifier classifier, IReadOnlyList<LabelledUtterance> rows, IReadOnlyDictionary<string, string> mapping, CancellationToken cancellationToken = default)
    {
        var known = classifier.Intents.ToHashSet(StringComparer.Ordinal);
        var usable = new List<(string Text, string Expected)>();
        var unmapped = 0;
        foreach (var row in rows)
        {
            var expected = mapping.TryGetValue(row.Intent, out var ours) ? ours : row.Intent;
            if (known.Contains(expected))
            {
                usable.Add((row.Text, expected));
            }
            else
            {
                unmapped++;
            }
        }

        var predictions = new List<IntentPrediction>(usable.Count);
        foreach (var chunk in usable.Chunk(256))
        {
            predictions.AddRange(await classifier.ClassifyManyAsync(chunk.Select(c => c.Text).ToList(), cancellationToken));
        }

        var confusions = new Dictionary<(string, string), int>();
        var perIntent = classifier.Intents.ToDictionary(i => i, _ => (Support: 0, Predicted: 0, Correct: 0));
        var correct = 0;
        for (var i = 0; i < usable.Count; i++)
        {
            var expected = usable[i].Expected;
            var predicted = predictions[i].Intent;
            var e = perIntent[expected];
            perIntent[expected] = (e.Support + 1, e.Predicted, e.Correct + (expected == predicted ? 1 : 0));
            var p = perIntent[predicted];
            perIntent[predicted] = (p.Support, p.Predicted + 1, p.Correct);
            if (expected == predicted)
            {
                correct++;
            }
            else
            {
                confusions[(expected, predicted)] = confusions.GetValueOrDefault((expected, predicted)) + 1;
            }
        }
        return new IntentEvaluationReport(
            usable.Count, correct, unmapped,
            perIntent.Where(kv => kv.Value.Support > 0 || kv.Value.Predicted > 0).Select(kv => new IntentScore(kv.Key, kv.Value.Support, kv.Value.Predicted, kv.Value.Correct)).OrderBy(s => s.Intent, StringComparer.Ordinal).ToList(),
            confusions.OrderByDescending(kv => kv.Value).Select(kv => (kv.Key.Item1, kv.Key.Item2, kv.Value)).ToList());
    }
}
