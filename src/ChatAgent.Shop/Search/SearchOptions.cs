using System.ComponentModel.DataAnnotations;

namespace ChatAgent.Shop.Search;

/// <summary>The <c>Search</c> section of <c>appsettings.json</c>: hybrid product search.</summary>
public sealed class SearchOptions
{
    public const string Section = "Search";

    /// <summary>Candidates each retriever (full text, vectors) contributes before fusion.</summary>
    [Range(10, 5000)]
    public int CandidatePool { get; set; } = 100;

    /// <summary>The k of reciprocal-rank fusion, 1/(k + rank); 60 is the value from the original paper.</summary>
    [Range(1, 1000)]
    public int FusionK { get; set; } = 60;

    /// <summary>Weight of the keyword ranking in the fusion, w/(k + rank).</summary>
    [Range(0.0, 10.0)]
    public double KeywordWeight { get; set; } = 1.0;

    /// <summary>
    /// The keyword weight is scaled by coverage^this, where coverage is the largest share of the query's words that one
    /// of the best keyword hits has in its name: 0 keeps the keyword weight fixed.
    /// </summary>
    [Range(0.0, 10.0)]
    public double CoverageExponent { get; set; } = 2.0;

    /// <summary>Weight of the embedding ranking in the fusion (2: best on the labelled Online Retail queries, for both encoders).</summary>
    [Range(0.0, 10.0)]
    public double MeaningWeight { get; set; } = 2.0;

    /// <summary>
    /// With constraints (a price cap, an option, "cheapest"), a product is offered only when its similarity is within
    /// this much of the best product's (or its name has every word): "earbuds under $50" never lists a dumbbell set.
    /// </summary>
    /// <remarks>Empty (default): the encoder's own calibration (MiniLM 0.15, ArcticXs 0.05: its similarities are compressed).</remarks>
    [Range(0.0, 2.0)]
    public double? RelevanceMargin { get; set; }

    /// <summary>
    /// A best match at least this similar is taken as what the customer named even when some query words appear
    /// nowhere in the catalogue; below it, such words ("merino beanie") mean the shop has no such product.
    /// </summary>
    /// <remarks>Empty (default): the encoder's own calibration (MiniLM 0.45, ArcticXs 0.6).</remarks>
    [Range(-1.0, 1.0)]
    public double? StrongSimilarity { get; set; }

    internal double MarginFor(ChatAgent.Embeddings.LocalEmbeddingModel model) =>
        RelevanceMargin ?? (model == ChatAgent.Embeddings.LocalEmbeddingModel.ArcticXs ? 0.05 : 0.15);

    internal double StrongFor(ChatAgent.Embeddings.LocalEmbeddingModel model) =>
        StrongSimilarity ?? (model == ChatAgent.Embeddings.LocalEmbeddingModel.ArcticXs ? 0.6 : 0.45);

    /// <summary>Cosine similarity below which a product is not a semantic match (keeps unrelated products out of results).</summary>
    [Range(-1.0, 1.0)]
    public double MinSimilarity { get; set; } = 0.3;

    /// <summary>Results returned when the caller does not say.</summary>
    [Range(1, 100)]
    public int DefaultLimit { get; set; } = 5;

    /// <summary>Most results one search may return.</summary>
    [Range(1, 500)]
    public int MaxLimit { get; set; } = 20;

    /// <summary>Seconds the in-memory vectors and facets are reused before reloading (an index run reloads at once).</summary>
    [Range(0, 86400)]
    public int SnapshotSeconds { get; set; } = 60;

    /// <summary>Products embedded per batch while indexing.</summary>
    [Range(1, 1024)]
    public int IndexBatchSize { get; set; } = 64;

    /// <summary>
    /// Add the names of the products most often bought with each product to the text that is embedded (not to the
    /// keyword index); changing the purchase log then re-embeds the products whose neighbours changed. Off by default:
    /// on the labelled Online Retail queries it lowered nDCG@10 for both encoders (the names of companions blur a short title).
    /// </summary>
    public bool EnrichWithCoPurchases { get; set; }

    /// <summary>Index products whose search document is missing or stale when the host starts.</summary>
    public bool IndexOnStart { get; set; } = true;
}
