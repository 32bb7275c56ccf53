using System.Text.RegularExpressions;

namespace ChatAgent.Orchestration.Intents;

/// <summary>What a customer message names: order ids, email, name and zip, a product phrase, a cancellation reason.</summary>
public sealed record Slots(IReadOnlyList<string> OrderIds, string? Email, string? FirstName, string? LastName, string? Zip, string? ProductPhrase, string? CancelReason);

/// <summary>Rule-based slot extraction: the shapes involved (ids, emails, zips) are regular, so patterns beat a model here.</summary>
public static partial class SlotExtractor
{
    /// <summary>
    /// Reads the slots of <paramref name="text"/>. With <paramref name="nameWithoutCue"/> (the bot just asked who the
    /// customer is) a bare "Emma Nguyen 92185" is read as name and zip too.
    /// </summary>
    public static Slots Extract(string text, bool nameWithoutCue = false)
    {
        var orderIds = OrderIdPattern().Matches(text).Select(m => "#W" + m.Groups["digits"].Value).Distinct(StringComparer.Ordinal).ToList();
        var email = EmailPattern().Match(text) is { Success: true } e ? e.Value.ToLowerInvariant() : null;
        var zip = ZipPattern().Match(OrderIdPattern().Replace(text, " ")) is { Success: true } z ? z.Groups["zip"].Value : null;
        string? first = null, last = null;
        if (NamePattern().Match(text) is { Success: true } n && !NotAName.Contains(n.Groups["first"].Value.ToLowerInvariant()))
        {
            first = Capitalize(n.Groups["first"].Value);
            last = Capitalize(n.Groups["last"].Value);
        }
        else if (zip is not null && BareNameZip().Match(text) is { Success: true } b && (nameWithoutCue || char.IsUpper(b.Groups["first"].Value[0]) && char.IsUpper(b.Groups["last"].Value[0]))
            && !NotAName.Contains(b.Groups["first"].Value.ToLowerInvariant()) && !NotAName.Contains(b.Groups["last"].Value.ToLowerInvariant()))
        {
            // "Emma Nguyen 92185", "Emma Nguyen, zip 92185": two capitalised words right before the zip.
            first = Capitalize(b.Groups["first"].Value);
            last = Capitalize(b.Groups["last"].Value);
        }
        var product = ProductPattern().Match(text) is { Success: true } p ? p.Groups["product"].Value.Trim().TrimEnd('?', '.', '!') : null;
        var lowered = text.ToLowerInvariant();
        var reason = lowered.Contains("mistake", StringComparison.Ordinal) || lowered.Contains("by accident", StringComparison.Ordinal) || lowered.Contains("accidentally", StringComparison.Ordinal)
            ? "ordered by mistake"
            : lowered.Contains("no longer need", StringComparison.Ordinal) || lowered.Contains("don't need", StringComparison.Ordinal) || lowered.Contains("dont need", StringComparison.Ordinal) || lowered.Contains("changed my mind", StringComparison.Ordinal) || lowered.Contains("not needed", StringComparison.Ordinal)
                ? "no longer needed"
                : null;
        return new Slots(orderIds, email, first, last, zip, string.IsNullOrWhiteSpace(product) ? null : product, reason);
    }

    /// <summary>A price cap or range in the message: "under $50", "less than 30", "between 20 and 40", "$20-$40".</summary>
    public static (decimal? Min, decimal? Max) PriceRange(string text)
    {
        // One reading of prices for both modes: the product search's own query parser.
        var parsed = ChatAgent.Shop.Search.SearchQueryParser.Parse(text);
        return (parsed.MinPrice, parsed.MaxPrice);
    }

    private static readonly HashSet<string> NotAName = new(StringComparer.Ordinal)
    {
        "not", "looking", "trying", "sure", "interested", "going", "here", "just", "still", "so", "very", "the", "a", "my", "zip", "order", "code", "is", "in", "at", "and", "from", "live", "living",
    };

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    /// <summary>Shop order ids: <c>#W1234567</c>, <c>W1234567</c>, or a bare 7-digit number after "order".</summary>
    [GeneratedRegex(@"(?:#\s?W|\bW|(?<=\border\s+#?|\bpurchase\s+#?|\bnumber\s+#?))(?<digits>\d{7})\b", RegexOptions.IgnoreCase)]
    public static partial Regex OrderIdPattern();

    [GeneratedRegex(@"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")]
    public static partial Regex EmailPattern();

    [GeneratedRegex(@"(?:\bzip(?:\s*code)?\s*(?:is|:)?\s*|\b)(?<zip>\d{5})(?:-\d{4})?\b", RegexOptions.IgnoreCase)]
    private static partial Regex ZipPattern();

    [GeneratedRegex(@"\b(?:my name is|name is|i am|i'm|im|this is|it's|its|name:)\s+(?<first>[A-Za-z][A-Za-z'\-]+)\s+(?<last>[A-Za-z][A-Za-z'\-]+)", RegexOptions.IgnoreCase)]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"(?<![A-Za-z'])(?<first>[A-Za-z][A-Za-z'\-]+)\s+(?<last>[A-Za-z][A-Za-z'\-]+)[\s,;]+(?:(?:and\s+)?(?:my\s+)?(?:zip|postcode|postal code)(?:\s*code)?\s*(?:is|:)?\s*)?\d{5}\b")]
    private static partial Regex BareNameZip();

    [GeneratedRegex(@"\b(?:looking for|search(?: for)?|find(?: me)?|do you (?:have|sell|carry)|have you got|show me|want to buy|i need|in stock)\s+(?:an?\s+|some\s+|any\s+|the\s+)?(?<product>[^?.!,]{2,60})", RegexOptions.IgnoreCase)]
    private static partial Regex ProductPattern();
}
