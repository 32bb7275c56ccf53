namespace ChatAgent.Shop.Search;

/// <summary>
/// The constraints one search applies, explicit parameters merged with what the query said (explicit ones win): the
/// single place that decides whether a variant qualifies, for the in-memory facets and for the store's rows alike.
/// </summary>
public sealed record SearchFilter(decimal? MinPrice, decimal? MaxPrice, bool InStockOnly, IReadOnlyDictionary<string, string>? Options,
    IReadOnlyList<OptionConstraint> Wanted, IReadOnlyList<string> Excluded)
{
    /// <summary>Nothing to check.</summary>
    public static SearchFilter None { get; } = new(null, null, false, null, [], []);

    /// <summary>True when no constraint applies.</summary>
    public bool IsEmpty => MinPrice is null && MaxPrice is null && !InStockOnly && (Options is null || Options.Count == 0) && Wanted.Count == 0 && Excluded.Count == 0;

    /// <summary>Only the refusals ("not leather"): what alternatives must still respect.</summary>
    public SearchFilter Relaxed => this with { MinPrice = null, MaxPrice = null, InStockOnly = false, Options = null, Wanted = [] };

    /// <summary>Merges <paramref name="request"/>'s parameters with <paramref name="parsed"/>; a parameter given explicitly wins.</summary>
    public static SearchFilter From(ProductSearchRequest request, ParsedQuery parsed)
    {
        var min = request.MinPrice ?? parsed.MinPrice;
        var max = request.MaxPrice ?? parsed.MaxPrice;
        if (min is not null && max is not null && min > max)
        {
            // A parsed bound that contradicts an explicit one gives way.
            (min, max) = request.MinPrice is not null ? (min, (decimal?)null) : ((decimal?)null, max);
        }
        var explicitNames = (request.Options ?? new Dictionary<string, string>()).Keys.Select(OptionNames.Normalise).ToHashSet();
        var wanted = parsed.OptionValues.Where(o => o.Name is null || !explicitNames.Contains(o.Name)).ToList();
        var excluded = parsed.ExcludedValues.Concat((request.Exclude ?? []).Select(e => e.Trim().ToLowerInvariant())).Where(e => e.Length > 0).Distinct().ToList();
        return new SearchFilter(min, max, request.InStockOnly || parsed.InStockOnly, request.Options, wanted, excluded);
    }

    /// <summary>Product-level refusals: a name holding a refused word ("Leather Wallet" for "not leather").</summary>
    internal bool ProductPasses(CatalogSnapshot snapshot, int product)
    {
        foreach (var refused in Excluded)
        {
            if (snapshot.NameHas(product, refused))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// A variant qualifies when its price is in range, it is available (if asked), it has every explicit option value,
    /// every parsed value (under the named option, or any option, or in the product's name) and no refused value.
    /// </summary>
    /// <param name="snapshot">For the product's name.</param>
    /// <param name="product">The product's position in <paramref name="snapshot"/>.</param>
    /// <param name="price">Variant price.</param>
    /// <param name="available">Variant availability.</param>
    /// <param name="options">Variant options, normalised (<see cref="CatalogSnapshot.Normalised"/>).</param>
    internal bool VariantPasses(CatalogSnapshot snapshot, int product, decimal price, bool available, IReadOnlyDictionary<string, string> options) =>
        PriceOk(price) && (!InStockOnly || available) && OptionsOk(snapshot, product, options);

    internal bool PriceOk(decimal price) => (MinPrice is null || price >= MinPrice) && (MaxPrice is null || price <= MaxPrice);

    internal bool OptionsOk(CatalogSnapshot snapshot, int product, IReadOnlyDictionary<string, string> options)
    {
        if (!OptionNames.Satisfies(options, Options))
        {
            return false;
        }
        foreach (var want in Wanted)
        {
            if (!Has(options, want) && !snapshot.NameHas(product, want.Value))
            {
                return false;
            }
        }
        foreach (var refused in Excluded)
        {
            if (options.Values.Any(v => v == refused))
            {
                return false;
            }
        }
        return true;
    }

    private static bool Has(IReadOnlyDictionary<string, string> options, OptionConstraint want)
    {
        foreach (var (name, value) in options)
        {
            if (value == want.Value && (want.Name is null || name == want.Name || name.EndsWith(" " + want.Name, StringComparison.Ordinal)))
            {
                return true;
            }
        }
        return false;
    }
}
