using ChatAgent.Embeddings;
using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Shop.Search;

/// <summary>A variant's filterable facts.</summary>
internal sealed record VariantFacet(decimal Price, bool Available, IReadOnlyDictionary<string, string> Options);

/// <summary>
/// Every product's vector and variant facets in memory: vector scoring and filtering run over arrays
/// (ENVIRONMENT.md: ~1.2 ms for 20k × 384), and only the final page is read from the store.
/// </summary>
internal sealed partial class CatalogSnapshot
{
    /// <summary>Length of each product vector (the encoder's).</summary>
    public int Dimensions { get; private init; }

    private CatalogSnapshot(string[] productIds, float[] vectors, bool[] hasVector, VariantFacet[][] facets, DateTimeOffset loadedAt,
        string[] names, int[] sales, HashSet<string> words)
    {
        NameKeys = names;
        Sales = sales;
        Words = words;
        Vocabulary = new OptionVocabulary();
        foreach (var variants in facets)
        {
            foreach (var (name, value) in variants.SelectMany(v => v.Options).Distinct())
            {
                Vocabulary.Add(name, value);
            }
        }
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

    /// <summary>Each product's name as " word word " (lower case, punctuation as spaces) for whole-word checks.</summary>
    public string[] NameKeys { get; }

    /// <summary>Orders (store and imported) that contain each product, for "best-selling".</summary>
    public int[] Sales { get; }

    /// <summary>Every word of every search document (and its singular), to tell words the catalogue never uses.</summary>
    public HashSet<string> Words { get; }

    /// <summary>The option values the catalogue offers, for the query parser.</summary>
    public OptionVocabulary Vocabulary { get; }

    /// <summary>True when the product's name has <paramref name="word"/> (lower case, one or more words) as whole words.</summary>
    public bool NameHas(int product, string word) => NameKeys[product].Contains($" {word} ", StringComparison.Ordinal)
        || NameKeys[product].Contains($" {word}s ", StringComparison.Ordinal);

    /// <summary>Products with at least one variant that passes <paramref name="filter"/>.</summary>
    public bool[] Allowed(SearchFilter filter)
    {
        var allowed = new bool[Count];
        for (var i = 0; i < Count; i++)
        {
            if (!filter.ProductPasses(this, i))
            {
                continue;
            }
            foreach (var v in Facets[i])
            {
                if (filter.VariantPasses(this, i, v.Price, v.Available, v.Options))
                {
                    allowed[i] = true;
                    break;
                }
            }
        }
        return allowed;
    }

    /// <summary>Lower-case words of <paramref name="text"/> as the snapshot indexes them.</summary>
    public static IEnumerable<string> WordsOf(string text) => WordPattern().Matches(text.ToLowerInvariant()).Select(m => m.Value);

    [System.Text.RegularExpressions.GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial System.Text.RegularExpressions.Regex WordPattern();

    /// <summary>The word as the catalogue may spell it: itself, or without a plural ending.</summary>
    public bool Knows(string word) => Words.Contains(word)
        || (word.EndsWith('s') && Words.Contains(word[..^1]))
        || (word.EndsWith("es", StringComparison.Ordinal) && Words.Contains(word[..^2]))
        || (word.EndsWith("ies", StringComparison.Ordinal) && Words.Contains(word[..^3] + "y"));

    public ReadOnlySpan<float> Vector(int product) => Vectors.AsSpan(product * Dimensions, Dimensions);

    /// <summary>A variant's options with names and values normalised the way facets keep them.</summary>
    public static Dictionary<string, string> Normalised(IReadOnlyDictionary<string, string> options)
    {
        var normalised = new Dictionary<string, string>(options.Count, StringComparer.Ordinal);
        foreach (var (name, value) in options)
        {
            normalised.TryAdd(OptionNames.Normalise(name), value.Trim().ToLowerInvariant());
        }
        return normalised;
    }

    public static async Task<CatalogSnapshot> LoadAsync(ShopDbContext shop, CatalogIndexDbContext index, TimeProvider time, string model, int dimensions, CancellationToken cancellationToken)
    {
        var variants = await shop.Variants.AsNoTracking()
            .Select(v => new { v.ProductId, v.Price, v.Available, v.Options })
            .ToListAsync(cancellationToken);
        var byProduct = variants.GroupBy(v => v.ProductId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(v => new VariantFacet(v.Price, v.Available, Normalised(v.Options))).ToArray(), StringComparer.Ordinal);
        var documents = await index.Documents.AsNoTracking()
            .Select(d => new { d.ProductId, Vector = d.Model == model ? d.Vector : null, d.Title, d.Body })
            .ToListAsync(cancellationToken);
        var names = await shop.Products.AsNoTracking().Select(p => new { p.Id, p.Name, p.Category }).ToDictionaryAsync(p => p.Id, p => p, StringComparer.Ordinal, cancellationToken);
        var storeSales = await shop.OrderItems.AsNoTracking().GroupBy(i => i.ProductId).Select(g => new { ProductId = g.Key, Count = g.Select(i => i.OrderId).Distinct().Count() }).ToListAsync(cancellationToken);
        var loggedSales = await index.Purchases.AsNoTracking().GroupBy(p => p.ProductId).Select(g => new { ProductId = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);

        // Products without variants cannot be bought, so they are never results.
        var ids = byProduct.Keys.Order(StringComparer.Ordinal).ToArray();
        var position = ids.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal);
        var vectors = new float[ids.Length * dimensions];
        var hasVector = new bool[ids.Length];
        var words = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in documents)
        {
            foreach (var w in WordsOf(d.Title).Concat(WordsOf(d.Body)))
            {
                words.Add(w);
            }
            if (position.TryGetValue(d.ProductId, out var i) && d.Vector is { } vector && vector.Length == dimensions * sizeof(float))
            {
                VectorCodec.CopyTo(vector, vectors.AsSpan(i * dimensions, dimensions));
                hasVector[i] = true;
            }
        }
        var sales = new int[ids.Length];
        foreach (var s in storeSales.Concat(loggedSales))
        {
            if (position.TryGetValue(s.ProductId, out var i))
            {
                sales[i] += s.Count;
            }
        }
        var nameKeys = ids.Select(id => names.TryGetValue(id, out var p) ? $" {string.Join(' ', WordsOf(p.Name))} " : " ").ToArray();
        foreach (var p in names.Values)
        {
            foreach (var w in WordsOf(p.Name).Concat(WordsOf(p.Category ?? "")))
            {
                words.Add(w);
            }
        }
        return new CatalogSnapshot(ids, vectors, hasVector, ids.Select(id => byProduct[id]).ToArray(), time.GetUtcNow(), nameKeys, sales, words) { Dimensions = dimensions };
    }
}
