using ChatAgent.Shop.Search;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ChatAgent.Shop.Recommendations;

/// <summary>A recommended product as the plugin shows it: what it is, what it costs, and why it was picked.</summary>
public sealed record RecommendedProduct(string ProductId, string Name, string? Category, decimal PriceFrom, decimal PriceTo, string Reason);

/// <summary>
/// Recommendations over the live store: learns from orders (all but cancelled) and imported purchase logs, adds
/// description vectors from the search index, and only ever returns products with a variant in stock.
/// The learned model is cached for <see cref="RecommendationOptions.ModelMinutes"/>. Thread-safe singleton.
/// </summary>
public sealed class RecommendationService(
    IDbContextFactory<ShopDbContext> shopFactory,
    CatalogIndexDbContextFactory indexFactory,
    IOptions<RecommendationOptions> options,
    TimeProvider time)
{
    private readonly RecommendationOptions _options = options.Value;
    private readonly SemaphoreSlim _building = new(1, 1);
    private (RecommendationModel Model, DateTimeOffset BuiltAt)? _model;

    /// <summary>Forgets the learned model (after an import of orders or purchases).</summary>
    public void Invalidate() => _model = null;

    /// <summary>Products like <paramref name="productId"/> (description and co-purchase).</summary>
    public async Task<IReadOnlyList<RecommendedProduct>> SimilarAsync(string productId, int? count = null, CancellationToken cancellationToken = default)
    {
        var model = await ModelAsync(cancellationToken);
        var n = Count(count);
        return await PresentAsync(k => model.Similar(productId, k), n, cancellationToken);
    }

    /// <summary>Products often in the same order as <paramref name="productIds"/>.</summary>
    public async Task<IReadOnlyList<RecommendedProduct>> BoughtTogetherAsync(IReadOnlyCollection<string> productIds, int? count = null, CancellationToken cancellationToken = default)
    {
        var model = await ModelAsync(cancellationToken);
        var n = Count(count);
        return await PresentAsync(k => model.BoughtTogether(productIds, k), n, cancellationToken);
    }

    /// <summary>Personal picks from the customer's order history (popular products when there is none).</summary>
    public async Task<IReadOnlyList<RecommendedProduct>> ForCustomerAsync(string customerId, int? count = null, CancellationToken cancellationToken = default)
    {
        var model = await ModelAsync(cancellationToken);
        var history = await HistoryAsync(customerId, cancellationToken);
        var n = Count(count);
        return await PresentAsync(k => model.ForCustomer(history, k, allowRepeats: _options.IncludeRepeatPurchases), n, cancellationToken);
    }

    /// <summary>Recent best sellers.</summary>
    public async Task<IReadOnlyList<RecommendedProduct>> PopularAsync(int? count = null, CancellationToken cancellationToken = default)
    {
        var model = await ModelAsync(cancellationToken);
        var n = Count(count);
        return await PresentAsync(k => model.Popular(k), n, cancellationToken);
    }

    /// <summary>The customer's purchases: store orders (not cancelled) and imported log lines under the same customer id.</summary>
    public async Task<IReadOnlyCollection<Purchase>> HistoryAsync(string customerId, CancellationToken cancellationToken = default)
    {
        await using var shop = shopFactory.CreateDbContext();
        var orders = await shop.Orders.AsNoTracking()
            .Where(o => o.CustomerId == customerId && o.Status != OrderStatus.Cancelled)
            .Select(o => new { o.Id, o.CreatedAt, Products = o.Items.Select(i => i.ProductId) })
            .ToListAsync(cancellationToken);
        var history = orders.SelectMany(o => o.Products.Select(p => new Purchase(customerId, o.Id, p, o.CreatedAt.UtcDateTime))).ToList();
        await using var index = indexFactory.CreateDbContext();
        var imported = await index.Purchases.AsNoTracking().Where(p => p.CustomerKey == customerId)
            .Select(p => new { p.OrderKey, p.ProductId, p.PurchasedAt, p.Quantity }).ToListAsync(cancellationToken);
        history.AddRange(imported.Select(p => new Purchase(customerId, p.OrderKey, p.ProductId, p.PurchasedAt.UtcDateTime, p.Quantity)));
        return history;
    }

    private int Count(int? count) => Math.Clamp(count ?? _options.DefaultCount, 1, _options.MaxCount);

    // The model ranks without knowing stock: candidates are over-fetched, checked against the store, and the first
    // in-stock ones kept, so a sold-out product is never recommended however highly it ranks.
    private async Task<IReadOnlyList<RecommendedProduct>> PresentAsync(Func<int, IReadOnlyList<Recommendation>> recommend, int count, CancellationToken cancellationToken)
    {
        await using var shop = shopFactory.CreateDbContext();
        var result = new List<RecommendedProduct>(count);
        foreach (var widen in new[] { 4, 25 })
        {
            result.Clear();
            var pool = recommend(count * widen);
            var ids = pool.Select(r => r.ProductKey).Distinct().ToList();
            var products = await shop.Products.AsNoTracking().Include(p => p.Variants)
                .Where(p => ids.Contains(p.Id)).ToDictionaryAsync(p => p.Id, cancellationToken);
            var names = await AnchorNamesAsync(shop, pool, cancellationToken);
            foreach (var r in pool)
            {
                var inStock = products.TryGetValue(r.ProductKey, out var p) ? p.Variants.Where(v => v.Available).ToList() : [];
                if (inStock.Count == 0)
                {
                    continue;
                }
                result.Add(new RecommendedProduct(p!.Id, p.Name, p.Category, inStock.Min(v => v.Price), inStock.Max(v => v.Price), Explain(r, names)));
                if (result.Count == count)
                {
                    return result;
                }
            }
            if (pool.Count < count * widen)
            {
                break;
            }
        }
        return result;
    }

    private static async Task<Dictionary<string, string>> AnchorNamesAsync(ShopDbContext shop, IReadOnlyList<Recommendation> pool, CancellationToken cancellationToken)
    {
        var anchors = pool.Select(r => r.AnchorProductKey).OfType<string>().Distinct().ToList();
        return anchors.Count == 0 ? [] : await shop.Products.AsNoTracking().Where(p => anchors.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.Name, cancellationToken);
    }

    private static string Explain(Recommendation r, Dictionary<string, string> names)
    {
        var anchor = r.AnchorProductKey is { } key && names.TryGetValue(key, out var name) ? name : null;
        return r.Reason switch
        {
            RecommendationReason.AlsoBought when anchor is not null => $"customers who bought {anchor} also bought this",
            RecommendationReason.AlsoBought => "customers with similar purchases bought this",
            RecommendationReason.BoughtTogether when anchor is not null => $"often bought together with {anchor}",
            RecommendationReason.BoughtTogether => "often bought together with your items",
            RecommendationReason.SimilarDescription when anchor is not null => $"similar to {anchor}",
            RecommendationReason.SimilarDescription => "similar to products you looked at",
            RecommendationReason.BuyAgain => "you bought this before",
            _ => "popular with customers right now",
        };
    }

    private async Task<RecommendationModel> ModelAsync(CancellationToken cancellationToken)
    {
        var cached = _model;
        if (cached is { } c && time.GetUtcNow() - c.BuiltAt < TimeSpan.FromMinutes(_options.ModelMinutes))
        {
            return c.Model;
        }
        await _building.WaitAsync(cancellationToken);
        try
        {
            if (_model is { } again && time.GetUtcNow() - again.BuiltAt < TimeSpan.FromMinutes(_options.ModelMinutes))
            {
                return again.Model;
            }
            var model = await BuildAsync(cancellationToken);
            _model = (model, time.GetUtcNow());
            return model;
        }
        finally
        {
            _building.Release();
        }
    }

    private async Task<RecommendationModel> BuildAsync(CancellationToken cancellationToken)
    {
        await using var shop = shopFactory.CreateDbContext();
        var lines = await shop.OrderItems.AsNoTracking()
            .Join(shop.Orders.Where(o => o.Status != OrderStatus.Cancelled), i => i.OrderId, o => o.Id, (i, o) => new { o.CustomerId, o.Id, i.ProductId, o.CreatedAt })
            .ToListAsync(cancellationToken);
        var purchases = lines.Select(l => new Purchase(l.CustomerId, l.Id, l.ProductId, l.CreatedAt.UtcDateTime)).ToList();

        await using var index = indexFactory.CreateDbContext();
        var imported = await index.Purchases.AsNoTracking()
            .Select(p => new { p.Source, p.CustomerKey, p.OrderKey, p.ProductId, p.PurchasedAt, p.Quantity }).ToListAsync(cancellationToken);
        // Order keys of different logs may collide; prefixing with the source keeps baskets apart.
        purchases.AddRange(imported.Select(p => new Purchase(p.CustomerKey, $"{p.Source}/{p.OrderKey}", p.ProductId, p.PurchasedAt.UtcDateTime, p.Quantity)));

        var vectors = (await index.Documents.AsNoTracking().Where(d => d.Vector != null)
                .Select(d => new { d.ProductId, d.Vector }).ToListAsync(cancellationToken))
            .ToDictionary(d => d.ProductId, d => VectorCodec.ToFloats(d.Vector!), StringComparer.Ordinal);
        return RecommendationModel.Build(purchases, vectors, _options.ToSettings());
    }
}
