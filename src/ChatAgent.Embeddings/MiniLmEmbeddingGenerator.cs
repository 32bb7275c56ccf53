namespace ChatAgent.Embeddings;

/// <summary>all-MiniLM-L6-v2 (384 dimensions, mean pooling): the general-purpose encoder the intent classifier uses.</summary>
public sealed class MiniLmEmbeddingGenerator(LocalEmbeddingOptions options) : LocalEmbeddingGenerator(options, LocalEmbeddingModel.MiniLm)
{
    /// <summary>Length of every vector this generator returns.</summary>
    public const int Dimensions = 384;

    /// <summary>The model id recorded with stored vectors, so a model change can be detected and vectors rebuilt.</summary>
    public const string ModelId = "all-MiniLM-L6-v2";
}
