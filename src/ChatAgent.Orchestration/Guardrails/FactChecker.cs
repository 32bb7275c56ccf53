using System.Globalization;
using System.Text.RegularExpressions;

namespace ChatAgent.Orchestration.Guardrails;

/// <summary>A fact in an answer that no tool result of the turn supports.</summary>
public sealed record UnsupportedFact(string Kind, string Value);

/// <summary>
/// Checks the order facts in an answer — order numbers, money amounts, order statuses — against the text of the
/// turn's tool results (and the customer's own words, for order numbers they gave). Anything else is unsupported.
/// </summary>
public static partial class FactChecker
{
    private static readonly string[] Statuses = ["pending", "processed", "delivered", "cancelled", "canceled", "shipped", "returned", "exchanged", "refunded"];

    public static IReadOnlyList<UnsupportedFact> Check(string answer, IReadOnlyCollection<string> toolResults, string customerText)
    {
        var evidence = string.Join("\n", toolResults);
        var evidenceLower = evidence.ToLowerInvariant();
        var found = new List<UnsupportedFact>();

        foreach (Match m in OrderId().Matches(answer))
        {
            var id = "#W" + m.Groups["d"].Value;
            if (!evidence.Contains(id, StringComparison.OrdinalIgnoreCase) && !customerText.Contains(m.Groups["d"].Value, StringComparison.Ordinal))
            {
                found.Add(new UnsupportedFact("order number", id));
            }
        }

        var amounts = Number().Matches(evidence).Select(n => decimal.TryParse(n.Value, NumberStyles.Number, CultureInfo.InvariantCulture, out var v) ? v : (decimal?)null).OfType<decimal>().ToHashSet();
        foreach (Match m in Money().Matches(answer))
        {
            if (decimal.TryParse(m.Groups["v"].Value.Replace(",", "", StringComparison.Ordinal), NumberStyles.Number, CultureInfo.InvariantCulture, out var value)
                && !amounts.Contains(value) && !customerText.Contains(m.Groups["v"].Value, StringComparison.Ordinal))
            {
                found.Add(new UnsupportedFact("amount", m.Value));
            }
        }

        // A status word is only a fact about an order when the turn looked one up: then it must be one the tools returned.
        if (evidenceLower.Contains("\"status\"", StringComparison.Ordinal))
        {
            var lower = answer.ToLowerInvariant();
            foreach (var status in Statuses)
            {
                if (Regex.IsMatch(lower, $@"\b(?:is|was|been|status:?|currently)\s+(?:now\s+)?\**{status}\b") && !evidenceLower.Contains(status[..^2], StringComparison.Ordinal))
                {
                    found.Add(new UnsupportedFact("status", status));
                }
            }
        }
        return found;
    }

    [GeneratedRegex(@"#?W(?<d>\d{7})\b")]
    private static partial Regex OrderId();

    [GeneratedRegex(@"\$\s?(?<v>\d{1,3}(?:,\d{3})*(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)")]
    private static partial Regex Money();

    [GeneratedRegex(@"\d+(?:\.\d+)?")]
    private static partial Regex Number();
}
