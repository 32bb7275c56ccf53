using ChatAgent.Embeddings;
using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Shop.Search;

/// <summary>A variant's filterable facts.</summary>
internal sealed record VariantFacet(decimal Price, bool Available, IReadOnlyDictionary<string, string> Options);

/// <summary>
/// Every product's vector and variant facets in memory: vector scoring and filtering run over arrays
/// (ENVIRONMENT.md: ~1.2 ms for 20k × 384), and only the final page is read from the store.
/// </summary>
internal sealed class CatalogSnapshot
{
    public const int Dimensions = MiniLmEmbeddingGenerator.Dimensions;

    private CatalogSnapshot(string[] productIds, float[] vectors, bool[] hasVector, VariantFacet[][] facets, DateTimeOffset loadedAt)
    {
        ProductIds = productIds;
        Vectors = vectors;
        HasVector = hasVector;
        Facets = facets;
        LoadedAt = loadedAt;
        Index = new Dictionary<string, int>(productIds.Length, StringComparer.Ordinal);
        for (var i = 0; i < productIds.Length; i++)
        {
            Index[productIds[i]] = i;
        }
    }

    public string[] ProductIds { get; }
    public Dictionary<string, int> Index { get; }
    public float[] Vectors { get; }
    public bool[] HasVector { get; }
    public VariantFacet[][] Facets { get; }
    public DateTimeOffset LoadedAt { get; }
    public int Count => ProductIds.Length;

    public ReadOnlySpan<float> Vector(int product) => Vectors.AsSpan(product * Dimensions, Dimensions);

    /// <summary>Products with at least one variant that passes every filter (all, when there are none).</summary>
    public bool[] Allowed(ProductSearchRequest request)
    {
        // Facet options are stored normalised, so the wanted ones are normalised once and each check is a lookup.
        var wanted = (request.Options ?? new Dictionary<string, string>()).Select(o => (Key: OptionNames.Normalise(o.Key), Value: o.Value.Trim().ToLowerInvariant())).ToArray();
        var allowed = new bool[Count];
        for (var i = 0; i < Count; i++)
        {
            foreach (var v in Facets[i])
            {
                if ((request.MinPrice is null || v.Price >= request.MinPrice) && (request.MaxPrice is null || v.Price <= request.MaxPrice)
                    && (!request.InStockOnly || v.Available) && wanted.All(w => v.Options.TryGetValue(w.Key, out var value) && value == w.Value))
                {
                    allowed[i] = true;
                    break;
                }
            }
        }
        return allowed;
    }

    public static bool Passes(decimal price, bool available, IReadOnlyDictionary<string, string> options, ProductSearchRequest request) =>
        (request.MinPrice is null || price >= request.MinPrice)
        && (request.MaxPrice is null || price <= request.MaxPrice)
        && (!request.InStockOnly || available)
        && OptionNames.Satisfies(options, request.Options);

    private static Dictionary<string, string> Normalised(Dictionary<string, string> options)
    {
        var normalised = new Dictionary<string, string>(options.Count, StringComparer.Ordinal);
        foreach (var (name, value) in options)
        {
            normalised.TryAdd(OptionNames.Normalise(name), value.Trim().ToLowerInvariant());
        }
        return normalised;
    }

    public static async Task<CatalogSnapshot> LoadAsync(ShopDbContext shop, CatalogIndexDbContext index, TimeProvider time, CancellationToken cancellationToken)
    {
        var variants = await shop.Variants.AsNoTracking()
            .Select(v => new { v.ProductId, v.Price, v.Available, v.Options })
            .ToListAsync(cancellationToken);
        var byProduct = variants.GroupBy(v => v.ProductId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(v => new VariantFacet(v.Price, v.Available, Normalised(v.Options))).ToArray(), StringComparer.Ordinal);
        var documents = await index.Documents.AsNoTracking()
            .Where(d => d.Vector != null && d.Model == MiniLmEmbeddingGenerator.ModelId)
            .Select(d => new { d.ProductId, d.Vector })
            .ToListAsync(cancellationToken);

        // Products without variants cannot be bought, so they are never results.
        var ids = byProduct.Keys.Order(StringComparer.Ordinal).ToArray();
        var position = ids.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal);
        var vectors = new float[ids.Length * Dimensions];
        var hasVector = new bool[ids.Length];
        foreach (var d in documents)
        {
            if (position.TryGetValue(d.ProductId, out var i) && d.Vector!.Length == Dimensions * sizeof(float))
            {
                VectorCodec.CopyTo(d.Vector, vectors.AsSpan(i * Dimensions, Dimensions));
                hasVector[i] = true;
            }
        }
        return new CatalogSnapshot(ids, vectors, hasVector, ids.Select(id => byProduct[id]).ToArray(), time.GetUtcNow());
    }
}
