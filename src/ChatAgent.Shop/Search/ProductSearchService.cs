using System.Diagnostics;
using System.Numerics.Tensors;
using ChatAgent.Embeddings;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ChatAgent.Shop.Search;

/// <summary>
/// Hybrid product search: the database's full-text ranking and the embedding ranking, each over the products that pass
/// the filters, merged by reciprocal-rank fusion; the final page is re-checked against the store (prices and stock
/// may have changed since the in-memory snapshot was taken). Thread-safe singleton.
/// </summary>
public sealed class ProductSearchService(
    IDbContextFactory<ShopDbContext> shopFactory,
    CatalogIndexDbContextFactory indexFactory,
    MiniLmEmbeddingGenerator embedder,
    IOptions<SearchOptions> options,
    TimeProvider time)
{
    private readonly SearchOptions _options = options.Value;
    private readonly SemaphoreSlim _reload = new(1, 1);
    private volatile CatalogSnapshot? _snapshot;

    /// <summary>Drops the in-memory snapshot so the next search reloads it (called after indexing).</summary>
    public void Invalidate() => _snapshot = null;

    /// <summary>Searches; see <see cref="ProductSearchRequest"/> for the filters.</summary>
    public async Task<ProductSearchResult> SearchAsync(ProductSearchRequest request, CancellationToken cancellationToken = default)
    {
        var limit = Math.Clamp(request.Limit ?? _options.DefaultLimit, 1, _options.MaxLimit);
        var snapshot = await SnapshotAsync(cancellationToken);
        var query = request.Query?.Trim() ?? "";
        var clock = Stopwatch.StartNew();

        float[]? queryVector = query.Length > 0 ? embedder.Embed(query) : null;
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
        var allowed = snapshot.Allowed(request);
        var semantic = queryVector is null ? [] : TopBySimilarity(snapshot, queryVector, allowed);
        var vectorTime = clock.Elapsed;

        clock.Restart();
        var fused = new Dictionary<int, (double Score, bool Keywords, bool Meaning)>();
        var rank = 0;
        foreach (var id in fullText)
        {
            if (snapshot.Index.TryGetValue(id, out var i) && allowed[i] && rank < _options.CandidatePool)
            {
                fused[i] = (1.0 / (_options.FusionK + ++rank), true, false);
            }
        }
        var keywordCandidates = rank;
        rank = 0;
        foreach (var (i, _) in semantic)
        {
            var previous = fused.GetValueOrDefault(i);
            fused[i] = (previous.Score + 1.0 / (_options.FusionK + ++rank), previous.Keywords, true);
        }
        List<(int Product, double Score, bool Keywords, bool Meaning)> ranked = query.Length == 0
            ? Enumerable.Range(0, snapshot.Count).Where(i => allowed[i]).Select(i => (i, 0.0, false, false)).ToList()
            : fused.OrderByDescending(f => f.Value.Score).Select(f => (f.Key, f.Value.Score, f.Value.Keywords, f.Value.Meaning)).ToList();
        var fusionTime = clock.Elapsed;

        clock.Restart();
        var hits = await DetailsAsync(ranked, snapshot, request, limit, cancellationToken);
        var details = clock.Elapsed;
        return new ProductSearchResult(hits, keywordCandidates, semantic.Count, new SearchTimings(embedding, fullTextTime, vectorTime, fusionTime, details));
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

    private List<(int Product, float Similarity)> TopBySimilarity(CatalogSnapshot snapshot, float[] query, bool[] allowed)
    {
        var pool = _options.CandidatePool;
        var heap = new PriorityQueue<int, float>(pool + 1);
        var threshold = (float)_options.MinSimilarity;
        for (var i = 0; i < snapshot.Count; i++)
        {
            if (!allowed[i] || !snapshot.HasVector[i])
            {
                continue;
            }
            var similarity = TensorPrimitives.Dot(query, snapshot.Vector(i));
            if (similarity < threshold)
            {
                continue;
            }
            if (heap.Count < pool)
            {
                heap.Enqueue(i, similarity);
            }
            else if (heap.TryPeek(out _, out var lowest) && similarity > lowest)
            {
                heap.DequeueEnqueue(i, similarity);
            }
        }
        var result = new List<(int, float)>(heap.Count);
        while (heap.TryDequeue(out var i, out var similarity))
        {
            result.Add((i, similarity));
        }
        result.Reverse();
        return result;
    }

    private async Task<List<ProductHit>> DetailsAsync(List<(int Product, double Score, bool Keywords, bool Meaning)> ranked, CatalogSnapshot snapshot,
        ProductSearchRequest request, int limit, CancellationToken cancellationToken)
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
            foreach (var (product, score, keywords, meaning) in page)
            {
                if (!products.TryGetValue(snapshot.ProductIds[product], out var p))
                {
                    continue;
                }
                var matching = p.Variants.Where(v => CatalogSnapshot.Passes(v.Price, v.Available, v.Options, request))
                    .OrderByDescending(v => v.Available).ThenBy(v => v.Price).ToList();
                if (matching.Count == 0)
                {
                    continue;
                }
                hits.Add(new ProductHit(p.Id, p.Name, p.Category, matching.Min(v => v.Price), matching.Max(v => v.Price), matching.Any(v => v.Available),
                    p.Variants.Count,
                    matching.Take(5).Select(v => new VariantMatch(v.Id, v.Options, v.Price, v.Available, v.Sku)).ToList(),
                    Math.Round(score, 5),
                    [.. keywords ? ["keywords"] : Array.Empty<string>(), .. meaning ? ["meaning"] : Array.Empty<string>()]));
                if (hits.Count == limit)
                {
                    break;
                }
            }
        }
        return hits;
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
            return _snapshot = await CatalogSnapshot.LoadAsync(shop, index, time, cancellationToken);
        }
        finally
        {
            _reload.Release();
        }
    }
}
