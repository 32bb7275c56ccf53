using System.Globalization;
using System.Text.RegularExpressions;

namespace ChatAgent.Shop.Search;

/// <summary>How results are ordered.</summary>
public enum SearchSort
{
    /// <summary>Best match first (the default).</summary>
    Relevance,
    /// <summary>"cheapest", "lowest price": lowest matching variant price first.</summary>
    PriceAscending,
    /// <summary>"most expensive", "priciest": highest matching variant price first.</summary>
    PriceDescending,
    /// <summary>"best-selling", "most popular": most orders first.</summary>
    BestSelling,
}

/// <summary>An option value wanted or refused; <paramref name="Name"/> is null when the customer named only the value ("blue").</summary>
/// <param name="Name">Normalised option name ("color", "size"), or null for any option.</param>
/// <param name="Value">The value, lower case ("blue", "m", "stainless steel").</param>
public sealed record OptionConstraint(string? Name, string Value)
{
    /// <summary>"color blue", "size M", or the bare value.</summary>
    public override string ToString() => Name is null ? Value : $"{Name} {(Value.Length <= 3 ? Value.ToUpperInvariant() : Value)}";
}

/// <summary>What <see cref="SearchQueryParser"/> read out of a customer's words.</summary>
/// <param name="Text">The words left to search for ("wireless earbuds"), constraint phrases removed.</param>
/// <param name="MinPrice">Lowest price asked for.</param>
/// <param name="MaxPrice">Highest price asked for.</param>
/// <param name="Currency">ISO code of a currency the customer wrote ("$" → USD, "£"/"pounds" → GBP), if any.</param>
/// <param name="Options">Option values a variant must have ("blue", "size M"): a variant passes with that value under the named option (or under any option, when unnamed), or when the product's name holds the value.</param>
/// <param name="Excluded">Values refused ("not leather"): no option of the variant and no word of the product's name may be one of them.</param>
/// <param name="Sort">Ordering asked for.</param>
/// <param name="InStockOnly">"in stock", "available".</param>
public sealed record ParsedQuery(string Text, decimal? MinPrice = null, decimal? MaxPrice = null, string? Currency = null,
    IReadOnlyList<OptionConstraint>? Options = null, IReadOnlyList<string>? Excluded = null, SearchSort Sort = SearchSort.Relevance, bool InStockOnly = false)
{
    /// <summary>The parsed option values (never null).</summary>
    public IReadOnlyList<OptionConstraint> OptionValues => Options ?? [];

    /// <summary>The refused values (never null).</summary>
    public IReadOnlyList<string> ExcludedValues => Excluded ?? [];

    /// <summary>True when anything beyond plain text was understood.</summary>
    public bool HasConstraints => MinPrice is not null || MaxPrice is not null || OptionValues.Count > 0 || ExcludedValues.Count > 0 || Sort != SearchSort.Relevance || InStockOnly;
}

/// <summary>
/// The option values a catalogue offers, by value: what lets "blue" or "size M" in a query become a filter only when
/// the shop actually sells blue things or sizes. Built from the in-memory catalogue snapshot.
/// </summary>
public sealed class OptionVocabulary
{
    private readonly Dictionary<string, Dictionary<string, int>> _namesByValue = new(StringComparer.Ordinal);
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>An empty vocabulary (a catalogue without options): no option value is parsed.</summary>
    public static OptionVocabulary Empty { get; } = new();

    /// <summary>Counts one product's option (name and value, any case).</summary>
    public void Add(string name, string value)
    {
        var n = OptionNames.Normalise(name);
        var v = value.Trim().ToLowerInvariant();
        if (n.Length == 0 || v.Length == 0 || v.Length > 40)
        {
            return;
        }
        _names.Add(n);
        if (!_namesByValue.TryGetValue(v, out var names))
        {
            _namesByValue[v] = names = new Dictionary<string, int>(StringComparer.Ordinal);
        }
        names[n] = names.GetValueOrDefault(n) + 1;
        LongestValueWords = Math.Max(LongestValueWords, v.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        LongestNameWords = Math.Max(LongestNameWords, n.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    /// <summary>Most words in one value ("forest green" = 2).</summary>
    public int LongestValueWords { get; private set; }

    /// <summary>Most words in one option name ("frame size" = 2).</summary>
    public int LongestNameWords { get; private set; }

    /// <summary>True when <paramref name="value"/> (lower case) is a value of some option.</summary>
    public bool IsValue(string value) => _namesByValue.ContainsKey(value);

    /// <summary>True when <paramref name="name"/> (normalised) is an option name.</summary>
    public bool IsName(string name) => _names.Contains(name);

    /// <summary>True when <paramref name="value"/> is a value of option <paramref name="name"/> (or of an option whose name ends with it: "size" covers "frame size").</summary>
    public bool IsValueOf(string name, string value) =>
        _namesByValue.TryGetValue(value, out var names) && names.Keys.Any(n => n == name || n.EndsWith(" " + name, StringComparison.Ordinal));

    /// <summary>The option name most products use for <paramref name="value"/> (for display: "blue" → "color").</summary>
    public string? NameOf(string value) => _namesByValue.TryGetValue(value, out var names) ? names.MaxBy(n => n.Value).Key : null;
}

/// <summary>
/// Reads the constraints a shopper writes into a product question: price caps and ranges ("under $50", "between 20
/// and 40", "less than £1", "50p or less"), currencies, option values from the catalogue's own vocabulary ("blue",
/// "size M", "stainless steel"), negations ("not leather", "without a hood"), ordering ("cheapest", "best-selling")
/// and availability ("in stock"). What is left is the text to search for. Pure and thread-safe.
/// </summary>
public static partial class SearchQueryParser
{
    private const string Money = @"(?<cur>[$£€])?\s?(?<n>\d{1,7}(?:[.,]\d{1,2})?)\s?(?<unit>k\b|dollars?\b|bucks\b|usd\b|pounds?\b|quid\b|gbp\b|euros?\b|eur\b|p\b|pence\b|cents?\b)?";
    private const string Money2 = @"(?<cur2>[$£€])?\s?(?<n2>\d{1,7}(?:[.,]\d{1,2})?)\s?(?<unit2>k\b|dollars?\b|bucks\b|usd\b|pounds?\b|quid\b|gbp\b|euros?\b|eur\b|p\b|pence\b|cents?\b)?";

    [GeneratedRegex(@"\b(?:between|from)\s+" + Money + @"\s*(?:and|to|-|–)\s*" + Money2, RegexOptions.IgnoreCase)]
    private static partial Regex Between();

    [GeneratedRegex(@"(?<![\w.])" + Money + @"\s*(?:-|–|to)\s*" + Money2 + @"(?![\w.])", RegexOptions.IgnoreCase)]
    private static partial Regex Dash();

    [GeneratedRegex(@"\b(?:under|below|beneath|less\s+than|cheaper\s+than|lower\s+than|no\s+more\s+than|not\s+more\s+than|at\s+most|max(?:imum)?|up\s+to|for\s+less\s+than|budget(?:\s+of)?(?:\s+is)?)\s*(?:a\s+(?<one>pound|dollar|euro|quid|buck)\b|" + Money + ")|<=?\\s*" + Money2, RegexOptions.IgnoreCase)]
    private static partial Regex Below();

    [GeneratedRegex(@"\b(?:over|above|more\s+than|at\s+least|min(?:imum)?|starting\s+at|from)\s*" + Money + "|>=?\\s*" + Money2, RegexOptions.IgnoreCase)]
    private static partial Regex Above();

    [GeneratedRegex(@"(?<![\w.])" + Money + @"\s+or\s+(?<dir>less|under|cheaper|below|more|over|above)\b", RegexOptions.IgnoreCase)]
    private static partial Regex OrLess();

    [GeneratedRegex(@"\b(?:around|about|approximately|roughly|circa|~)\s*" + Money, RegexOptions.IgnoreCase)]
    private static partial Regex Around();

    [GeneratedRegex(@"\b(?:the\s+)?(?:cheapest|least\s+expensive|lowest[\s-]+price[ds]?|lowest[\s-]+cost|cheap(?:er)?|inexpensive|affordable|budget|low[\s-]+cost)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Cheap();

    [GeneratedRegex(@"\b(?:the\s+)?(?:most\s+expensive|priciest|highest[\s-]+price[ds]?|top[\s-]+of[\s-]+the[\s-]+range)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Expensive();

    [GeneratedRegex(@"\b(?:the\s+)?(?:best[\s-]*sell(?:ing|ers?)|top[\s-]*sell(?:ing|ers?)|most[\s-]+popular|most[\s-]+bought|most[\s-]+ordered|popular)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Popular();

    [GeneratedRegex(@"\b(?:in[\s-]+stock|available(?:\s+now|\s+today)?|ready\s+to\s+ship|not\s+sold\s+out|can\s+i\s+buy(?:\s+now)?|on\s+hand)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Stock();

    [GeneratedRegex(@"\b(?:not|no|non|without|except|excluding|anything\s+but|but\s+not|isn'?t|aren'?t|never)[\s-]+(?:made\s+(?:of|from|with)\s+|in\s+|a\s+|an\s+|any\s+)?", RegexOptions.IgnoreCase)]
    private static partial Regex Negation();

    [GeneratedRegex(@"[\p{L}\p{N}][\p{L}\p{N}'\-\.+%]*")]
    private static partial Regex Word();

    /// <summary>Parses <paramref name="query"/> against the catalogue's <paramref name="vocabulary"/>.</summary>
    public static ParsedQuery Parse(string? query, OptionVocabulary? vocabulary = null)
    {
        vocabulary ??= OptionVocabulary.Empty;
        var text = " " + (query ?? "").Trim() + " ";
        decimal? min = null, max = null;
        string? currency = null;

        // Price: ranges first, so "between 20 and 40" is not read as "from 20".
        text = Between().Replace(text, m =>
        {
            if (Amount(m, "", ref currency) is { } a && Amount(m, "2", ref currency) is { } b)
            {
                (min, max) = (Math.Min(a, b), Math.Max(a, b));
                return " ";
            }
            return m.Value;
        });
        text = Dash().Replace(text, m =>
        {
            // A bare "20-40" could be a size or a model; only a currency makes it a price.
            var hasCurrency = m.Groups["cur"].Success || m.Groups["unit"].Success || m.Groups["cur2"].Success || m.Groups["unit2"].Success;
            if (hasCurrency && min is null && max is null && Amount(m, "", ref currency) is { } a && Amount(m, "2", ref currency) is { } b && !IsSizeUnit(m))
            {
                (min, max) = (Math.Min(a, b), Math.Max(a, b));
                return " ";
            }
            return m.Value;
        });
        text = OrLess().Replace(text, m =>
        {
            if (Amount(m, "", ref currency) is not { } a)
            {
                return m.Value;
            }
            if (m.Groups["dir"].Value.ToLowerInvariant() is "less" or "under" or "cheaper" or "below")
            {
                max ??= a;
            }
            else
            {
                min ??= a;
            }
            return " ";
        });
        text = Below().Replace(text, m =>
        {
            if (m.Groups["one"].Success)
            {
                currency ??= m.Groups["one"].Value.ToLowerInvariant() switch { "pound" or "quid" => "GBP", "euro" => "EUR", _ => "USD" };
                max ??= 1m;
                return " ";
            }
            var amount = m.Groups["n"].Success ? Amount(m, "", ref currency) : Amount(m, "2", ref currency);
            if (amount is null || IsSizeUnit(m))
            {
                return m.Value;
            }
            max ??= amount;
            return " ";
        });
        text = Above().Replace(text, m =>
        {
            var amount = m.Groups["n"].Success ? Amount(m, "", ref currency) : Amount(m, "2", ref currency);
            // "from" and "over" followed by a bare small number are usually not prices ("from 2 sizes"); a currency or a comparison word makes them one.
            var word = m.Value.TrimStart().Split(' ', 2)[0].ToLowerInvariant();
            var hasCurrency = m.Groups["cur"].Success || m.Groups["unit"].Success || m.Groups["cur2"].Success;
            if (amount is null || IsSizeUnit(m) || (word == "from" && !hasCurrency))
            {
                return m.Value;
            }
            min ??= amount;
            return " ";
        });
        text = Around().Replace(text, m =>
        {
            if (Amount(m, "", ref currency) is not { } a || IsSizeUnit(m))
            {
                return m.Value;
            }
            min ??= Math.Round(a * 0.8m, 2);
            max ??= Math.Round(a * 1.2m, 2);
            return " ";
        });

        var sort = SearchSort.Relevance;
        text = Expensive().Replace(text, _ => { sort = SearchSort.PriceDescending; return " "; });
        text = Cheap().Replace(text, _ => { sort = sort == SearchSort.Relevance ? SearchSort.PriceAscending : sort; return " "; });
        text = Popular().Replace(text, _ => { sort = sort == SearchSort.Relevance ? SearchSort.BestSelling : sort; return " "; });
        var inStock = false;
        text = Stock().Replace(text, _ => { inStock = true; return " "; });

        // Negations: "not leather", "without a hood", "non-leather" refuse the value (or word) that follows; a
        // value that itself starts like a negation ("non-stick") stays a value.
        var excluded = new List<string>();
        text = Negation().Replace(text, m =>
        {
            var next = Word().Match(text, m.Index + m.Length);
            var joined = next.Success && next.Index == m.Index + m.Length ? (m.Value + next.Value).Trim().ToLowerInvariant() : "";
            return vocabulary.IsValue(joined) ? m.Value : " \u0001 ";
        });
        var tokens = new List<string>();
        foreach (var piece in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (piece == "\u0001")
            {
                tokens.Add(piece);
                continue;
            }
            tokens.AddRange(Word().Matches(piece).Select(w => w.Value));
        }

        var options = new List<OptionConstraint>();
        var kept = new List<string>();
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i] == "\u0001")
            {
                if (i + 1 < tokens.Count && tokens[i + 1] != "\u0001")
                {
                    var (value, length) = LongestValue(tokens, i + 1, vocabulary);
                    if (length == 0)
                    {
                        value = tokens[i + 1].ToLowerInvariant().TrimEnd('.');
                        length = 1;
                    }
                    if (!excluded.Contains(value))
                    {
                        excluded.Add(value);
                    }
                    i += length;
                }
                continue;
            }

            // "size M", "colour: navy", "frame size L": a named option with one of its values.
            var named = NamedOption(tokens, i, vocabulary);
            if (named is { } n)
            {
                options.Add(n.Constraint);
                i += n.Length - 1;
                continue;
            }
            // A value of some option, long enough not to be a stray letter or number ("blue", "4K", "stainless steel").
            var (found, count) = LongestValue(tokens, i, vocabulary);
            if (count > 0 && (found.Length > 2 || !found.All(char.IsLetterOrDigit)) && !found.All(char.IsDigit))
            {
                options.Add(new OptionConstraint(null, found));
                i += count - 1;
                continue;
            }
            kept.Add(tokens[i]);
        }

        var remaining = string.Join(' ', kept).Trim(' ', '?', '!', ',', '.', ';', ':');
        return new ParsedQuery(remaining, min, max, currency, options.DistinctBy(o => (o.Name, o.Value)).ToList(), excluded, sort, inStock);
    }

    /// <summary>"under $50, color blue, not leather, cheapest first, in stock": the constraints, with prices in the shop's format.</summary>
    public static string Describe(ParsedQuery parsed, Formatting.ShopFormat format, OptionVocabulary? vocabulary = null)
    {
        var parts = new List<string>();
        if (parsed.MinPrice is { } lo && parsed.MaxPrice is { } hi)
        {
            parts.Add($"between {format.Money(lo)} and {format.Money(hi)}");
        }
        else if (parsed.MaxPrice is { } cap)
        {
            parts.Add($"under {format.Money(cap)}");
        }
        else if (parsed.MinPrice is { } floor)
        {
            parts.Add($"over {format.Money(floor)}");
        }
        if (parsed.Currency is { } currency && !string.Equals(currency, format.Currency, StringComparison.OrdinalIgnoreCase))
        {
            parts.Add($"prices are in {format.Currency}, not {currency}");
        }
        foreach (var option in parsed.OptionValues)
        {
            var name = option.Name ?? vocabulary?.NameOf(option.Value);
            parts.Add(name is null ? option.Value : new OptionConstraint(name, option.Value).ToString());
        }
        parts.AddRange(parsed.ExcludedValues.Select(v => $"not {v}"));
        parts.Add(parsed.Sort switch
        {
            SearchSort.PriceAscending => "cheapest first",
            SearchSort.PriceDescending => "most expensive first",
            SearchSort.BestSelling => "best-selling first",
            _ => "",
        });
        if (parsed.InStockOnly)
        {
            parts.Add("in stock");
        }
        return string.Join(", ", parts.Where(p => p.Length > 0));
    }

    private static bool IsSizeUnit(Match m)
    {
        // "under 2 kg", "less than 30 cm": a measure, not a price.
        var rest = m.Result("$'");
        return Regex.IsMatch(rest, @"^\s*(?:kg|g|cm|mm|m|ml|l|litres?|liters?|inch(?:es)?|in|ft|feet|lbs?|oz|hours?|h|days?|weeks?|mah|w|gb|tb|x|pieces?|pcs|pack)\b", RegexOptions.IgnoreCase);
    }

    private static decimal? Amount(Match m, string suffix, ref string? currency)
    {
        var number = m.Groups["n" + suffix];
        if (!number.Success || !decimal.TryParse(number.Value.Replace(',', '.'), NumberStyles.Number, CultureInfo.InvariantCulture, out var value))
        {
            return null;
        }
        var symbol = m.Groups["cur" + suffix].Value;
        var unit = m.Groups["unit" + suffix].Value.ToLowerInvariant();
        var code = symbol switch { "$" => "USD", "£" => "GBP", "€" => "EUR", _ => null }
            ?? unit switch
            {
                "dollar" or "dollars" or "bucks" or "usd" or "cent" or "cents" => "USD",
                "pound" or "pounds" or "quid" or "gbp" or "p" or "pence" => "GBP",
                "euro" or "euros" or "eur" => "EUR",
                _ => null,
            };
        if (code is not null)
        {
            currency ??= code;
        }
        if (unit is "p" or "pence" or "cent" or "cents")
        {
            value /= 100m;
        }
        else if (unit == "k")
        {
            value *= 1000m;
        }
        return value;
    }

    private static (string Value, int Length) LongestValue(List<string> tokens, int start, OptionVocabulary vocabulary)
    {
        for (var length = Math.Min(vocabulary.LongestValueWords, tokens.Count - start); length >= 1; length--)
        {
            if (tokens.Skip(start).Take(length).Any(t => t == "\u0001"))
            {
                continue;
            }
            var candidate = string.Join(' ', tokens.Skip(start).Take(length)).ToLowerInvariant().TrimEnd('.');
            if (vocabulary.IsValue(candidate))
            {
                return (candidate, length);
            }
        }
        return ("", 0);
    }

    private static (OptionConstraint Constraint, int Length)? NamedOption(List<string> tokens, int start, OptionVocabulary vocabulary)
    {
        for (var nameLength = Math.Min(vocabulary.LongestNameWords, tokens.Count - start - 1); nameLength >= 1; nameLength--)
        {
            var name = OptionNames.Normalise(string.Join(' ', tokens.Skip(start).Take(nameLength)).TrimEnd(':'));
            if (!vocabulary.IsName(name) && !(name == "size" && vocabulary.IsValueOf("size", "m")))
            {
                continue;
            }
            var (value, valueLength) = LongestValue(tokens, start + nameLength, vocabulary);
            if (valueLength > 0 && vocabulary.IsValueOf(name, value))
            {
                return (new OptionConstraint(name, value), nameLength + valueLength);
            }
        }
        return null;
    }
}
