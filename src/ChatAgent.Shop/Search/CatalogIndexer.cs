using ChatAgent.Embeddings;
using ChatAgent.Shop.Import;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ChatAgent.Shop.Search;

/// <summary>What one indexing run did.</summary>
public sealed record IndexReport(int Products, int Embedded, int Unchanged, int Removed, TimeSpan Elapsed)
{
    public override string ToString() =>
        $"search index: {Products:N0} products, {Embedded:N0} embedded, {Unchanged:N0} unchanged, {Removed:N0} removed ({Elapsed.TotalSeconds:F1} s{(Embedded > 0 ? $", {Embedded / Math.Max(Elapsed.TotalSeconds, 1e-3):N0} products/s" : "")}).";
}

/// <summary>
/// Keeps the search documents in step with the store: embeds products that are new or whose text changed, drops
/// documents of deleted products, and leaves the rest alone, so running it again is cheap and changes nothing.
/// </summary>
public sealed class CatalogIndexer(
    IDbContextFactory<ShopDbContext> shopFactory,
    CatalogIndexDbContextFactory indexFactory,
    LocalEmbeddingGenerator embedder,
    IOptions<SearchOptions> options,
    TimeProvider time,
    ProductSearchService? search = null)
{
    private const int PageSize = 1000;

    /// <summary>Brings the index up to date; <paramref name="progress"/> shows products/s and the ETA.</summary>
    public async Task<IndexReport> IndexAsync(ImportProgress? progress = null, CancellationToken cancellationToken = default)
    {
        progress ??= ImportProgress.Silent();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var batchSize = options.Value.IndexBatchSize;
        await using var shop = shopFactory.CreateDbContext();
        var existing = await LoadExistingAsync(cancellationToken);
        progress.Total = await shop.Products.CountAsync(cancellationToken);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new List<(string ProductId, string Title, string Body, string Hash, string? Tags, string? Related)>();
        var related = options.Value.EnrichWithCoPurchases ? await CoPurchasedNamesAsync(shop, cancellationToken) : [];
        int done = 0, embedded = 0, unchanged = 0;

        string? after = null;
        while (true)
        {
            var query = shop.Products.AsNoTracking().Include(p => p.Variants).OrderBy(p => p.Id).AsQueryable();
            if (after is not null)
            {
                query = query.Where(p => string.Compare(p.Id, after) > 0);
            }
            var page = await query.Take(PageSize).ToListAsync(cancellationToken);
            if (page.Count == 0)
            {
                break;
            }
            after = page[^1].Id;
            foreach (var product in page)
            {
                seen.Add(product.Id);
                var tags = existing.TryGetValue(product.Id, out var old) ? old.Tags : null;
                var (title, body) = SearchDocumentBuilder.Build(product, tags);
                var also = related.GetValueOrDefault(product.Id);
                var hash = SearchDocumentBuilder.Hash(embedder.Model.Id, title, also is null ? body : $"{body}\n{also}");
                if (old is not null && old.Hash == hash && old.HasVector)
                {
                    unchanged++;
                    done++;
                    progress.Advance();
                    continue;
                }
                pending.Add((product.Id, title, body, hash, tags, also));
                if (pending.Count >= batchSize)
                {
                    embedded += await WriteAsync(pending, cancellationToken);
                    done += pending.Count;
                    progress.Advance(pending.Count);
                    pending.Clear();
                }
            }
        }
        if (pending.Count > 0)
        {
            embedded += await WriteAsync(pending, cancellationToken);
            done += pending.Count;
            progress.Advance(pending.Count);
        }

        var removed = 0;
        var stale = existing.Keys.Where(id => !seen.Contains(id)).ToList();
        if (stale.Count > 0)
        {
            await using var index = indexFactory.CreateDbContext();
            foreach (var chunk in stale.Chunk(500))
            {
                removed += await index.Documents.Where(d => chunk.Contains(d.ProductId)).ExecuteDeleteAsync(cancellationToken);
            }
        }
        progress.Complete();
        search?.Invalidate();
        return new IndexReport(seen.Count, embedded, unchanged, removed, clock.Elapsed);
    }

    /// <summary>Records tags from an import (the store has no tag column) so the next index run includes them.</summary>
    public async Task SetTagsAsync(IReadOnlyDictionary<string, string> tagsByProduct, CancellationToken cancellationToken = default)
    {
        await using var index = indexFactory.CreateDbContext();
        foreach (var chunk in tagsByProduct.Chunk(500))
        {
            var ids = chunk.Select(c => c.Key).ToList();
            var documents = await index.Documents.Where(d => ids.Contains(d.ProductId)).ToDictionaryAsync(d => d.ProductId, cancellationToken);
            foreach (var (productId, tags) in chunk)
            {
                if (documents.TryGetValue(productId, out var document))
                {
                    document.Tags = tags;
                }
                else
                {
                    // A placeholder: no vector yet, so the next index run fills it in.
                    index.Documents.Add(new ProductSearchDocument { ProductId = productId, Title = "", Body = "", Tags = tags, IndexedAt = time.GetUtcNow() });
                }
            }
            await index.SaveChangesAsync(cancellationToken);
        }
    }

    private sealed record ExistingDocument(string? Tags, string Hash, bool HasVector);

    private async Task<Dictionary<string, ExistingDocument>> LoadExistingAsync(CancellationToken cancellationToken)
    {
        await using var index = indexFactory.CreateDbContext();
        return await index.Documents.AsNoTracking()
            .Select(d => new { d.ProductId, d.Tags, d.ContentHash, HasVector = d.Vector != null && d.Model == embedder.Model.Id })
            .ToDictionaryAsync(d => d.ProductId, d => new ExistingDocument(d.Tags, d.ContentHash, d.HasVector), StringComparer.Ordinal, cancellationToken);
    }

    /// <summary>
    /// The names of the products most often in the same orders as each product (store orders and imported logs; at
    /// least 3 shared orders, ranked by cosine of the order sets), as "often bought with A, B, C": what a product is
    /// for is often clearest from what is bought with it.
    /// </summary>
    private async Task<Dictionary<string, string>> CoPurchasedNamesAsync(ShopDbContext shop, CancellationToken cancellationToken)
    {
        await using var index = indexFactory.CreateDbContext();
        var lines = await index.Purchases.AsNoTracking().Select(p => new { Order = p.Source + "/" + p.OrderKey, p.ProductId }).ToListAsync(cancellationToken);
        var store = await shop.OrderItems.AsNoTracking().Select(i => new { Order = i.OrderId, i.ProductId }).ToListAsync(cancellationToken);
        if (lines.Count + store.Count == 0)
        {
            return [];
        }
        var baskets = lines.Concat(store).GroupBy(l => l.Order, StringComparer.Ordinal)
            .Select(g => g.Select(l => l.ProductId).Distinct(StringComparer.Ordinal).Take(60).ToArray()).Where(b => b.Length > 1).ToList();
        var orders = new Dictionary<string, int>(StringComparer.Ordinal);
        var pairs = new Dictionary<(string, string), int>();
        foreach (var basket in baskets)
        {
            foreach (var a in basket)
            {
                orders[a] = orders.GetValueOrDefault(a) + 1;
                foreach (var b in basket)
                {
                    if (!ReferenceEquals(a, b) && a != b)
                    {
                        pairs[(a, b)] = pairs.GetValueOrDefault((a, b)) + 1;
                    }
                }
            }
        }
        var names = await shop.Products.AsNoTracking().Select(p => new { p.Id, p.Name }).ToDictionaryAsync(p => p.Id, p => p.Name, StringComparer.Ordinal, cancellationToken);
        return pairs.Where(p => p.Value >= 3)
            .GroupBy(p => p.Key.Item1, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => "often bought with " + string.Join(", ", g
                .OrderByDescending(p => p.Value / Math.Sqrt((double)orders[p.Key.Item1] * orders[p.Key.Item2]))
                .Select(p => names.GetValueOrDefault(p.Key.Item2)).OfType<string>().Take(3)), StringComparer.Ordinal);
    }

    private async Task<int> WriteAsync(List<(string ProductId, string Title, string Body, string Hash, string? Tags, string? Related)> batch, CancellationToken cancellationToken)
    {
        var vectors = await embedder.GenerateAsync(batch.Select(b => SearchDocumentBuilder.EmbeddingText(b.Title, b.Related is null ? b.Body : b.Body.Length == 0 ? b.Related : $"{b.Body}. {b.Related}")).ToList(), cancellationToken: cancellationToken);
        await using var index = indexFactory.CreateDbContext();
        var ids = batch.Select(b => b.ProductId).ToList();
        var documents = await index.Documents.Where(d => ids.Contains(d.ProductId)).ToDictionaryAsync(d => d.ProductId, cancellationToken);
        var now = time.GetUtcNow();
        for (var i = 0; i < batch.Count; i++)
        {
            var (productId, title, body, hash, tags, _) = batch[i];
            if (!documents.TryGetValue(productId, out var document))
            {
                document = new ProductSearchDocument { ProductId = productId, Title = title, Body = body };
                index.Documents.Add(document);
            }
            document.Title = title;
            document.Body = body;
            document.Tags = tags;
            document.ContentHash = hash;
            document.Model = embedder.Model.Id;
            document.Vector = VectorCodec.ToBytes(vectors[i].Vector.Span);
            document.IndexedAt = now;
        }
        await index.SaveChangesAsync(cancellationToken);
        return batch.Count;
    }
}
