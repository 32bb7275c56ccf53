using System.Diagnostics;
using System.Numerics.Tensors;
using ChatAgent.Embeddings;
using Microsoft.EntityFrameworkCore;
using ChatAgent.Shop.Formatting;
using Microsoft.Extensions.Options;

namespace ChatAgent.Shop.Search;

/// <summary>
/// Hybrid product search: the database's full-text ranking and the embedding ranking merged by reciprocal-rank
/// fusion. The query's own constraints ("under $50", "blue", "size M", "not leather", "cheapest", "in stock") are read
/// by <see cref="SearchQueryParser"/> against the catalogue's option vocabulary and applied with the explicit filters.
/// With constraints, only products that match the words well (close to the best match's similarity, or naming every
/// word) are listed; when none of those satisfies the constraints, the result says so (<c>Exact = false</c>) and offers
/// the nearest ones as alternatives, each with why it misses. The final page is re-checked against the store (prices and
/// stock may have changed since the in-memory snapshot was taken). Thread-safe singleton.
/// </summary>
public sealed class ProductSearchService(
    IDbContextFactory<ShopDbContext> shopFactory,
    CatalogIndexDbContextFactory indexFactory,
    LocalEmbeddingGenerator embedder,
    IOptions<SearchOptions> options,
    TimeProvider time,
    ShopFormat? format = null)
{
    private readonly SearchOptions _options = options.Value;
    private readonly ShopFormat _format = format ?? ShopFormat.Default;
    private readonly SemaphoreSlim _reload = new(1, 1);
    private volatile CatalogSnapshot? _snapshot;

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "and", "or", "for", "to", "of", "in", "on", "with", "is", "are", "it", "its", "do", "does", "you", "your", "have", "has",
        "any", "some", "something", "anything", "i", "me", "my", "we", "our", "want", "need", "looking", "look", "find", "show", "get", "buy",
        "can", "could", "would", "like", "please", "there", "that", "this", "these", "those", "what", "which", "where", "how", "sell", "got",
        "stock", "one", "ones", "thing", "things", "item", "items", "product", "products", "from", "at", "by", "be", "as", "so", "up", "out",
        "good", "nice", "new", "great", "best", "little", "small", "big", "kind", "sort", "type", "set", "use", "used", "using", "put", "keep",
        "make", "help", "all", "more", "less", "much", "very", "really", "just", "also", "them", "they", "when", "while", "who", "will",
    };

    /// <summary>The encoder the vectors come from (<c>Embeddings:Model</c>).</summary>
    public LocalEmbeddingModel Model => embedder.Model;

    /// <summary>Drops the in-memory snapshot so the next search reloads it (called after indexing).</summary>
    public void Invalidate() => _snapshot = null;

    /// <summary>Parses <paramref name="query"/> against the catalogue's option vocabulary without searching (for display and tests).</summary>
    public async Task<ParsedQuery> ParseAsync(string? query, CancellationToken cancellationToken = default) =>
        SearchQueryParser.Parse(query, (await SnapshotAsync(cancellationToken)).Vocabulary);

    /// <summary>Searches; see <see cref="ProductSearchRequest"/> for the filters.</summary>
    public async Task<ProductSearchResult> SearchAsync(ProductSearchRequest request, CancellationToken cancellationToken = default)
    {
        var limit = Math.Clamp(request.Limit ?? _options.DefaultLimit, 1, _options.MaxLimit);
        var snapshot = await SnapshotAsync(cancellationToken);
        var parsed = request.ParseQuery ? SearchQueryParser.Parse(request.Query, snapshot.Vocabulary) : new ParsedQuery(request.Query?.Trim() ?? "");
        var filter = SearchFilter.From(request, parsed);
        var sort = request.Sort ?? parsed.Sort;
        var effective = parsed with
        {
            MinPrice = filter.MinPrice, MaxPrice = filter.MaxPrice, InStockOnly = filter.InStockOnly, Sort = sort, Excluded = filter.Excluded,
            Options = [.. (filter.Options ?? new Dictionary<string, string>()).Select(o => new OptionConstraint(OptionNames.Normalise(o.Key), o.Value.Trim().ToLowerInvariant())), .. filter.Wanted],
        };
        var understood = SearchQueryParser.Describe(effective, _format, snapshot.Vocabulary);
        var query = parsed.Text;
        var clock = Stopwatch.StartNew();

        float[]? queryVector = query.Length > 0 && snapshot.Dimensions == embedder.Model.Dimensions ? embedder.EmbedQuery(query) : null;
        var embedding = clock.Elapsed;

        clock.Restart();
        var fullText = new List<string>();
        if (query.Length > 0)
        {
            await using var index = indexFactory.CreateDbContext();
            fullText = await FullTextSearch.SearchAsync(index, query, _options.CandidatePool * 3, cancellationToken);
        }
        var fullTextTime = clock.Elapsed;

        clock.Restart();
        var coverage = Coverage(snapshot, query, fullText);
        var allowed = snapshot.Allowed(filter);
        var similarity = queryVector is null ? null : Similarities(snapshot, queryVector);
        var vectorTime = clock.Elapsed;

        clock.Restart();
        var constrained = query.Length == 0 ? AllAllowed(snapshot, allowed) : Fuse(snapshot, fullText, similarity, allowed, coverage, out _);
        var keywordCandidates = constrained.Count(c => c.Keywords);
        var vectorCandidates = constrained.Count(c => c.Meaning);
        var constraints = !filter.IsEmpty || sort != SearchSort.Relevance;
        var fusionTime = clock.Elapsed;

        if (!constraints)
        {
            clock.Restart();
            var plain = await DetailsAsync(constrained, snapshot, filter, limit, null, cancellationToken);
            var missing = query.Length > 0 ? UnknownWords(snapshot, query, plain, similarity) : [];
            var timings = new SearchTimings(embedding, fullTextTime, vectorTime, fusionTime, clock.Elapsed);
            if (missing.Count > 0 && plain.Count > 0)
            {
                var why = $"not a {query}: nothing in the catalogue is called {string.Join(" or ", missing.Select(m => $"'{m}'"))}";
                return new ProductSearchResult([], keywordCandidates, vectorCandidates, timings, understood, false, plain.Select(h => h with { Why = why }).ToList(), effective);
            }
            return new ProductSearchResult(plain, keywordCandidates, vectorCandidates, timings, understood, true, null, effective);
        }

        // With constraints, listing whatever passes the filters would answer "earbuds under $50" with a dumbbell set:
        // only products that match the words well count, judged against the best match over the whole catalogue.
        clock.Restart();
        var relaxedAllowed = snapshot.Allowed(filter.Relaxed);
        var relaxed = query.Length == 0 ? AllAllowed(snapshot, relaxedAllowed) : Fuse(snapshot, fullText, similarity, relaxedAllowed, coverage, out _);
        var relevant = Relevance(snapshot, query, relaxed, similarity);
        var matches = constrained.Where(c => relevant(c.Product)).ToList();
        if (sort != SearchSort.Relevance)
        {
            matches = Sorted(snapshot, matches, filter, sort);
        }
        fusionTime += clock.Elapsed;

        clock.Restart();
        var hits = await DetailsAsync(matches, snapshot, filter, limit, null, cancellationToken);
        var unknown = query.Length > 0 ? UnknownWords(snapshot, query, hits.Count > 0 ? hits : [], similarity) : [];
        IReadOnlyList<ProductHit>? alternatives = null;
        var exact = hits.Count > 0 && unknown.Count == 0;
        if (!exact)
        {
            if (hits.Count > 0)
            {
                var why = $"not a {query}: nothing in the catalogue is called {string.Join(" or ", unknown.Select(m => $"'{m}'"))}";
                alternatives = hits.Select(h => h with { Why = why }).ToList();
                hits = [];
            }
            else
            {
                var near = relaxed.Where(c => relevant(c.Product)).ToList();
                if (sort != SearchSort.Relevance)
                {
                    near = Sorted(snapshot, near, filter.Relaxed, sort);
                }
                alternatives = await DetailsAsync(near, snapshot, filter.Relaxed, limit, filter, cancellationToken);
            }
        }
        var details = clock.Elapsed;
        return new ProductSearchResult(hits, keywordCandidates, vectorCandidates, new SearchTimings(embedding, fullTextTime, vectorTime, fusionTime, details),
            understood, exact, alternatives, effective);
    }

    /// <summary>A product with its variants, by product id or by the id or SKU of one of its variants; null when none matches.</summary>
    public async Task<Product?> FindProductAsync(string productOrVariantId, CancellationToken cancellationToken = default)
    {
        var id = productOrVariantId.Trim();
        await using var shop = shopFactory.CreateDbContext();
        var productId = await shop.Products.AsNoTracking().Where(p => p.Id == id).Select(p => p.Id).FirstOrDefaultAsync(cancellationToken)
            ?? await shop.Variants.AsNoTracking().Where(v => v.Id == id || v.Sku == id).Select(v => v.ProductId).FirstOrDefaultAsync(cancellationToken);
        return productId is null ? null
            : await shop.Products.AsNoTracking().Include(p => p.Variants).FirstOrDefaultAsync(p => p.Id == productId, cancellationToken);
    }

    private readonly record struct Candidate(int Product, double Score, bool Keywords, bool Meaning, float Similarity);

    private static float[] Similarities(CatalogSnapshot snapshot, float[] query)
    {
        var result = new float[snapshot.Count];
        for (var i = 0; i < snapshot.Count; i++)
        {
            result[i] = snapshot.HasVector[i] ? TensorPrimitives.Dot(query, snapshot.Vector(i)) : float.MinValue;
        }
        return result;
    }

    private static List<Candidate> AllAllowed(CatalogSnapshot snapshot, bool[] allowed) =>
        Enumerable.Range(0, snapshot.Count).Where(i => allowed[i]).Select(i => new Candidate(i, 0, false, false, 0)).ToList();

    /// <summary>Reciprocal-rank fusion of the keyword ranking and the top of the similarity ranking, over allowed products.</summary>
    private List<Candidate> Fuse(CatalogSnapshot snapshot, List<string> fullText, float[]? similarity, bool[] allowed, double coverage, out int semanticCount)
    {
        var fused = new Dictionary<int, (double Score, bool Keywords, bool Meaning)>();
        var rank = 0;
        var keywordWeight = _options.KeywordWeight * Math.Pow(coverage, _options.CoverageExponent);
        foreach (var id in keywordWeight > 0 ? fullText : [])
        {
            if (snapshot.Index.TryGetValue(id, out var i) && allowed[i] && rank < _options.CandidatePool)
            {
                fused[i] = (keywordWeight / (_options.FusionK + ++rank), true, false);
            }
        }
        semanticCount = 0;
        if (similarity is not null && _options.MeaningWeight > 0)
        {
            rank = 0;
            foreach (var i in TopBySimilarity(similarity, allowed))
            {
                var previous = fused.GetValueOrDefault(i);
                fused[i] = (previous.Score + _options.MeaningWeight / (_options.FusionK + ++rank), previous.Keywords, true);
            }
            semanticCount = rank;
        }
        return fused.OrderByDescending(f => f.Value.Score)
            .Select(f => new Candidate(f.Key, f.Value.Score, f.Value.Keywords, f.Value.Meaning, similarity?[f.Key] ?? 0)).ToList();
    }

    private List<int> TopBySimilarity(float[] similarity, bool[] allowed)
    {
        var pool = _options.CandidatePool;
        var heap = new PriorityQueue<int, float>(pool + 1);
        var threshold = (float)_options.MinSimilarity;
        for (var i = 0; i < similarity.Length; i++)
        {
            var s = similarity[i];
            if (!allowed[i] || s < threshold)
            {
                continue;
            }
            if (heap.Count < pool)
            {
                heap.Enqueue(i, s);
            }
            else if (heap.TryPeek(out _, out var lowest) && s > lowest)
            {
                heap.DequeueEnqueue(i, s);
            }
        }
        var result = new List<int>(heap.Count);
        while (heap.TryDequeue(out var i, out _))
        {
            result.Add(i);
        }
        result.Reverse();
        return result;
    }

    /// <summary>
    /// How fully the best keyword hits name the query: the largest share of its content words found in the name of one
    /// of the first ten keyword hits. A shopper who names the product ("doormat") gets 1; one who describes a need
    /// ("stop the door from slamming") shares a stray word with unrelated names, and the keyword ranking then counts less.
    /// </summary>
    private static double Coverage(CatalogSnapshot snapshot, string query, List<string> fullText)
    {
        var words = CatalogSnapshot.WordsOf(query).Where(w => !StopWords.Contains(w)).Distinct().ToList();
        if (words.Count == 0)
        {
            return 1;
        }
        var best = 0.0;
        foreach (var id in fullText.Take(10))
        {
            if (snapshot.Index.TryGetValue(id, out var i))
            {
                best = Math.Max(best, words.Count(w => snapshot.NameHas(i, w) || (w.EndsWith('s') && snapshot.NameHas(i, w[..^1]))) / (double)words.Count);
            }
        }
        return best;
    }

    /// <summary>Words of the query (not stop words) that no product document uses at all, when even the best match is not close.</summary>
    private List<string> UnknownWords(CatalogSnapshot snapshot, string query, IReadOnlyList<ProductHit> hits, float[]? similarity)
    {
        if (hits.Count == 0 || (hits.Max(h => h.Similarity) >= _options.StrongFor(embedder.Model) && similarity is not null))
        {
            return [];
        }
        return CatalogSnapshot.WordsOf(query).Where(w => w.Length > 2 && !StopWords.Contains(w) && !w.All(char.IsDigit) && !snapshot.Knows(w)).Distinct().ToList();
    }

    /// <summary>
    /// Whether a product matches the words well enough to be offered under constraints: its similarity is within
    /// <c>Search:RelevanceMargin</c> of the best product's, or its name has every content word of the query.
    /// </summary>
    private Func<int, bool> Relevance(CatalogSnapshot snapshot, string query, List<Candidate> relaxed, float[]? similarity)
    {
        if (query.Length == 0)
        {
            return _ => true;
        }
        var words = CatalogSnapshot.WordsOf(query).Where(w => !StopWords.Contains(w)).ToList();
        var best = relaxed.Count == 0 || similarity is null ? float.MaxValue : relaxed.Max(c => c.Similarity);
        var floor = Math.Max(best - (float)_options.MarginFor(embedder.Model), (float)_options.MinSimilarity);
        return i => (similarity is not null && similarity[i] >= floor)
            || (words.Count > 0 && words.All(w => snapshot.NameHas(i, w) || snapshot.NameHas(i, w.TrimEnd('s'))));
    }

    private static List<Candidate> Sorted(CatalogSnapshot snapshot, List<Candidate> candidates, SearchFilter filter, SearchSort sort)
    {
        decimal Price(int i, bool lowest)
        {
            var prices = snapshot.Facets[i].Where(v => filter.VariantPasses(snapshot, i, v.Price, v.Available, v.Options)).Select(v => v.Price).ToList();
            return prices.Count == 0 ? (lowest ? decimal.MaxValue : decimal.MinValue) : lowest ? prices.Min() : prices.Max();
        }
        return sort switch
        {
            SearchSort.PriceAscending => candidates.OrderBy(c => Price(c.Product, true)).ToList(),
            SearchSort.PriceDescending => candidates.OrderByDescending(c => Price(c.Product, false)).ToList(),
            SearchSort.BestSelling => candidates.OrderByDescending(c => snapshot.Sales[c.Product]).ToList(),
            _ => candidates,
        };
    }

    /// <summary>
    /// Reads the products of the ranking from the store and keeps those with a variant passing <paramref name="filter"/>
    /// (re-checked: the snapshot may be stale). With <paramref name="missed"/>, each hit says which of those constraints it misses.
    /// </summary>
    private async Task<List<ProductHit>> DetailsAsync(List<Candidate> ranked, CatalogSnapshot snapshot, SearchFilter filter, int limit, SearchFilter? missed,
        CancellationToken cancellationToken)
    {
        var hits = new List<ProductHit>(limit);
        await using var shop = shopFactory.CreateDbContext();
        // Fetch a little more than needed: a product may have sold out since the snapshot.
        for (var start = 0; start < ranked.Count && hits.Count < limit; start += limit * 2)
        {
            var page = ranked.Skip(start).Take(limit * 2).ToList();
            var ids = page.Select(p => snapshot.ProductIds[p.Product]).ToList();
            var products = await shop.Products.AsNoTracking().Include(p => p.Variants)
                .Where(p => ids.Contains(p.Id)).ToDictionaryAsync(p => p.Id, cancellationToken);
            foreach (var c in page)
            {
                if (!products.TryGetValue(snapshot.ProductIds[c.Product], out var p) || !filter.ProductPasses(snapshot, c.Product))
                {
                    continue;
                }
                var matching = p.Variants.Where(v => filter.VariantPasses(snapshot, c.Product, v.Price, v.Available, CatalogSnapshot.Normalised(v.Options)))
                    .OrderByDescending(v => v.Available).ThenBy(v => v.Price).ToList();
                if (matching.Count == 0)
                {
                    continue;
                }
                hits.Add(new ProductHit(p.Id, p.Name, p.Category, matching.Min(v => v.Price), matching.Max(v => v.Price), matching.Any(v => v.Available),
                    p.Variants.Count,
                    matching.Take(5).Select(v => new VariantMatch(v.Id, v.Options, v.Price, v.Available, v.Sku)).ToList(),
                    Math.Round(c.Score, 5),
                    [.. c.Keywords ? ["keywords"] : Array.Empty<string>(), .. c.Meaning ? ["meaning"] : Array.Empty<string>()],
                    missed is null ? null : Why(snapshot, c.Product, p, missed),
                    c.Similarity));
                if (hits.Count == limit)
                {
                    break;
                }
            }
        }
        return hits;
    }

    /// <summary>Which constraint a product misses, in the customer's terms: "$67.44, above $50.00", "not in blue", "sold out".</summary>
    private string Why(CatalogSnapshot snapshot, int index, Product product, SearchFilter filter)
    {
        var variants = product.Variants.Select(v => (v.Price, v.Available, Options: CatalogSnapshot.Normalised(v.Options))).ToList();
        var reasons = new List<string>();
        var withOptions = variants.Where(v => filter.OptionsOk(snapshot, index, v.Options)).ToList();
        if (withOptions.Count == 0)
        {
            var missing = filter.Wanted.Where(w => !variants.Any(v => filter with { Wanted = [w], Options = null, Excluded = [] } is var one && one.OptionsOk(snapshot, index, v.Options)))
                .Select(w => w.ToString())
                .Concat((filter.Options ?? new Dictionary<string, string>()).Where(o => !variants.Any(v => OptionNames.Satisfies(v.Options, new Dictionary<string, string> { [o.Key] = o.Value })))
                    .Select(o => $"{OptionNames.Normalise(o.Key)} {o.Value}"))
                .ToList();
            reasons.Add(missing.Count > 0 ? $"not available in {string.Join(" or ", missing)}" : "not in that combination of options");
            withOptions = variants;
        }
        var priced = withOptions.Where(v => filter.PriceOk(v.Price)).ToList();
        if (priced.Count == 0 && withOptions.Count > 0)
        {
            if (filter.MaxPrice is { } cap && withOptions.Min(v => v.Price) > cap)
            {
                reasons.Add($"{_format.Money(withOptions.Min(v => v.Price))}, above {_format.Money(cap)}");
            }
            else if (filter.MinPrice is { } floor && withOptions.Max(v => v.Price) < floor)
            {
                reasons.Add($"{_format.Money(withOptions.Max(v => v.Price))}, below {_format.Money(floor)}");
            }
            else
            {
                reasons.Add("outside the price range");
            }
            priced = withOptions;
        }
        if (filter.InStockOnly && !priced.Any(v => v.Available))
        {
            reasons.Add("sold out");
        }
        return reasons.Count == 0 ? "closest match" : string.Join("; ", reasons);
    }

    private async Task<CatalogSnapshot> SnapshotAsync(CancellationToken cancellationToken)
    {
        var current = _snapshot;
        if (current is not null && time.GetUtcNow() - current.LoadedAt < TimeSpan.FromSeconds(_options.SnapshotSeconds))
        {
            return current;
        }
        await _reload.WaitAsync(cancellationToken);
        try
        {
            current = _snapshot;
            if (current is not null && time.GetUtcNow() - current.LoadedAt < TimeSpan.FromSeconds(_options.SnapshotSeconds))
            {
                return current;
            }
            await using var shop = shopFactory.CreateDbContext();
            await using var index = indexFactory.CreateDbContext();
            return _snapshot = await CatalogSnapshot.LoadAsync(shop, index, time, embedder.Model.Id, embedder.Model.Dimensions, cancellationToken);
        }
        finally
        {
            _reload.Release();
        }
    }
}
