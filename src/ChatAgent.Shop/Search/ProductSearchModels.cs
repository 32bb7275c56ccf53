namespace ChatAgent.Shop.Search;

/// <summary>What to search for; every filter is optional.</summary>
/// <param name="Query">Free text ("wireless earbuds"); empty lists products by the filters alone.</param>
/// <param name="MinPrice">Lowest variant price.</param>
/// <param name="MaxPrice">Highest variant price.</param>
/// <param name="InStockOnly">Only products with a matching variant that is available.</param>
/// <param name="Options">Option values a variant must have, e.g. color=blue, size=M (names and values ignore case).</param>
/// <param name="Limit">Results wanted.</param>
public sealed record ProductSearchRequest(string? Query, decimal? MinPrice = null, decimal? MaxPrice = null, bool InStockOnly = false,
    IReadOnlyDictionary<string, string>? Options = null, int? Limit = null);

/// <summary>A variant that satisfies the request's filters.</summary>
public sealed record VariantMatch(string VariantId, IReadOnlyDictionary<string, string> Options, decimal Price, bool Available, string? Sku);

/// <summary>
/// A product found, with the variants that fit the filters (<c>MatchedBy</c>: "keywords", "meaning" or both, which
/// retriever found it).
/// </summary>
public sealed record ProductHit(string ProductId, string Name, string? Category, decimal PriceFrom, decimal PriceTo, bool InStock,
    int VariantCount, IReadOnlyList<VariantMatch> MatchingVariants, double Score, IReadOnlyList<string> MatchedBy);

/// <summary>Where the time of one search went.</summary>
public sealed record SearchTimings(TimeSpan Embedding, TimeSpan FullText, TimeSpan VectorScoring, TimeSpan Fusion, TimeSpan Details)
{
    public TimeSpan Total => Embedding + FullText + VectorScoring + Fusion + Details;
}

/// <summary>Results and how they were found.</summary>
public sealed record ProductSearchResult(IReadOnlyList<ProductHit> Hits, int FullTextCandidates, int VectorCandidates, SearchTimings Timings);
