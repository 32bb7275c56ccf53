namespace ChatAgent.Shop.Search;

/// <summary>What to search for; every filter is optional.</summary>
/// <param name="Query">Free text ("wireless earbuds"); empty lists products by the filters alone.</param>
/// <param name="MinPrice">Lowest variant price.</param>
/// <param name="MaxPrice">Highest variant price.</param>
/// <param name="InStockOnly">Only products with a matching variant that is available.</param>
/// <param name="Options">Option values a variant must have, e.g. color=blue, size=M (names and values ignore case).</param>
/// <param name="Limit">Results wanted.</param>
/// <param name="Sort">Ordering; null takes what the query says ("cheapest", "best-selling"), else relevance.</param>
/// <param name="Exclude">Option values or name words no result may have ("leather").</param>
/// <param name="ParseQuery">
/// Read constraints out of <paramref name="Query"/> (<see cref="SearchQueryParser"/>): "under $50", "blue", "size M",
/// "not leather", "cheapest", "in stock". Explicit parameters win over parsed ones.
/// </param>
public sealed record ProductSearchRequest(string? Query, decimal? MinPrice = null, decimal? MaxPrice = null, bool InStockOnly = false,
    IReadOnlyDictionary<string, string>? Options = null, int? Limit = null, SearchSort? Sort = null, IReadOnlyList<string>? Exclude = null,
    bool ParseQuery = true);

/// <summary>A variant that satisfies the request's filters.</summary>
public sealed record VariantMatch(string VariantId, IReadOnlyDictionary<string, string> Options, decimal Price, bool Available, string? Sku);

/// <summary>
/// A product found, with the variants that fit the filters (<c>MatchedBy</c>: "keywords", "meaning" or both, which
/// retriever found it).
/// </summary>
/// <remarks>
/// <c>PriceFrom</c>/<c>PriceTo</c> span the variants that satisfy the constraints; <c>Why</c> is set on alternatives and
/// says which constraint the product misses ("$67.44, above $50.00").
/// </remarks>
public sealed record ProductHit(string ProductId, string Name, string? Category, decimal PriceFrom, decimal PriceTo, bool InStock,
    int VariantCount, IReadOnlyList<VariantMatch> MatchingVariants, double Score, IReadOnlyList<string> MatchedBy, string? Why = null, float Similarity = 0);

/// <summary>Where the time of one search went.</summary>
public sealed record SearchTimings(TimeSpan Embedding, TimeSpan FullText, TimeSpan VectorScoring, TimeSpan Fusion, TimeSpan Details)
{
    public TimeSpan Total => Embedding + FullText + VectorScoring + Fusion + Details;
}

/// <summary>Results and how they were found.</summary>
/// <param name="Hits">Products that satisfy every constraint, best first.</param>
/// <param name="FullTextCandidates">Keyword candidates that passed the filters.</param>
/// <param name="VectorCandidates">Embedding candidates that passed the filters.</param>
/// <param name="Timings">Where the time went.</param>
/// <param name="Understood">The constraints applied, for the customer ("under $50.00, color blue"); empty when none.</param>
/// <param name="Exact">False when no product satisfies every constraint (then <paramref name="Alternatives"/> holds the nearest ones).</param>
/// <param name="Alternatives">When not exact: the closest products, each with <see cref="ProductHit.Why"/>.</param>
/// <param name="Parsed">What was read from the query and the parameters together.</param>
public sealed record ProductSearchResult(IReadOnlyList<ProductHit> Hits, int FullTextCandidates, int VectorCandidates, SearchTimings Timings,
    string Understood = "", bool Exact = true, IReadOnlyList<ProductHit>? Alternatives = null, ParsedQuery? Parsed = null);
