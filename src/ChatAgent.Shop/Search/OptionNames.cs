namespace ChatAgent.Shop.Search;

/// <summary>Compares option names and values the way customers write them ("Colour"/"color", "XL"/"xl").</summary>
internal static class OptionNames
{
    public static string Normalise(string name)
    {
        var n = name.Trim().ToLowerInvariant();
        return n == "colour" ? "color" : n;
    }

    /// <summary>True when <paramref name="options"/> has every wanted name with an equal value.</summary>
    public static bool Satisfies(IReadOnlyDictionary<string, string> options, IReadOnlyDictionary<string, string>? wanted)
    {
        if (wanted is null || wanted.Count == 0)
        {
            return true;
        }
        foreach (var (name, value) in wanted)
        {
            var key = Normalise(name);
            var found = false;
            foreach (var (n, v) in options)
            {
                if (Normalise(n) == key && string.Equals(v.Trim(), value.Trim(), StringComparison.OrdinalIgnoreCase))
                {
                    found = true;
                    break;
                }
            }
            if (!found)
            {
                return false;
            }
        }
        return true;
    }
}
