using System.Diagnostics;
using System.Numerics.Tensors;
using FastBertTokenizer;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;

namespace ChatAgent.Embeddings;

/// <summary>
/// Sentence embeddings from a local BERT-family ONNX model (<see cref="LocalEmbeddingModel"/>: all-MiniLM-L6-v2 or
/// arctic-embed-xs; L2-normalised, so a dot product is the cosine) computed in-process with ONNX Runtime.
/// <see cref="GenerateAsync"/> and <see cref="Embed"/> embed documents; <see cref="EmbedQuery"/> adds the model's query
/// prefix, if it has one. Thread-safe: one instance serves every caller; inputs are run in batches.
/// </summary>
public class LocalEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{

    private readonly Lazy<Runtime> _runtime;
    // Disposing an ONNX session while another thread runs it crashes the process (native use after free), and a
    // host that stops can still have a turn or an indexing batch in flight: Dispose waits for them.
    private readonly ReaderWriterLockSlim _life = new();
    private bool _disposed;
    private readonly Lock _tokenizerLock = new();
    private readonly LocalEmbeddingOptions _options;
    private readonly EmbeddingGeneratorMetadata _metadata;

    private sealed record Runtime(InferenceSession Session, BertTokenizer Tokenizer, bool WantsTokenTypes, string OutputName);

    /// <summary>
    /// Creates the generator for <paramref name="model"/>; the model (about a second and ~200 MB) loads on the first
    /// call, so a host that never embeds anything never pays for it. A missing model file fails that first call with
    /// a message naming the setting.
    /// </summary>
    public LocalEmbeddingGenerator(LocalEmbeddingOptions options, LocalEmbeddingModel model)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(model);
        _options = options;
        Model = model;
        _metadata = new("onnxruntime", null, model.Id, model.Dimensions);
        _runtime = new Lazy<Runtime>(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The model this generator runs.</summary>
    public LocalEmbeddingModel Model { get; }

    private Runtime Load()
    {
        var model = EmbeddedModel.Load(_options, Model);
        var tokenizer = new BertTokenizer();
        tokenizer.LoadVocabulary(new StringReader(model.Vocabulary), convertInputToLowercase: true);
        using var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = _options.IntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        var session = new InferenceSession(model.Onnx, sessionOptions);
        return new Runtime(session, tokenizer, session.InputMetadata.ContainsKey("token_type_ids"), session.OutputMetadata.First(o => o.Value.Dimensions.Length == 3).Key);
    }

    /// <inheritdoc />
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var texts = values as IReadOnlyList<string> ?? values.ToArray();
        var vectors = new float[texts.Count][];

        // Similar lengths go into one batch so little of each batch is padding.
        var order = Enumerable.Range(0, texts.Count).OrderBy(i => texts[i]?.Length ?? 0).ToArray();
        var batchSize = options?.AdditionalProperties?.TryGetValue("BatchSize", out int size) == true && size > 0 ? size : _options.BatchSize;
        var stopwatch = Stopwatch.StartNew();
        var tokens = 0;
        for (var start = 0; start < order.Length; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = order.AsSpan(start, Math.Min(batchSize, order.Length - start)).ToArray();
            tokens += RunBatch(batch.Select(i => texts[i] ?? string.Empty).ToArray(), batch, vectors);
        }

        var result = new GeneratedEmbeddings<Embedding<float>>(vectors.Select(v => new Embedding<float>(v) { ModelId = Model.Id, CreatedAt = DateTimeOffset.UtcNow }))
        {
            Usage = new UsageDetails { InputTokenCount = tokens, TotalTokenCount = tokens },
        };
        return Task.FromResult(result);
    }

    /// <summary>Embeds a search query: with the model's query prefix (retrieval-tuned models want it), synchronously.</summary>
    public float[] EmbedQuery(string text) => Embed(Model.QueryPrefix + (text ?? string.Empty));

    /// <summary>Embeds one text synchronously, as a document (no prefix).</summary>
    public float[] Embed(string text)
    {
        var vectors = new float[1][];
        RunBatch([text ?? string.Empty], [0], vectors);
        return vectors[0];
    }

    private int RunBatch(string[] texts, int[] slots, float[][] output)
    {
        _life.EnterReadLock();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return RunBatchCore(texts, slots, output);
        }
        finally
        {
            _life.ExitReadLock();
        }
    }

    private int RunBatchCore(string[] texts, int[] slots, float[][] output)
    {
        var runtime = _runtime.Value;
        var maxTokens = _options.MaxTokens;
        var encoded = new long[texts.Length][];
        var lengths = new int[texts.Length];
        lock (_tokenizerLock)
        {
            for (var i = 0; i < texts.Length; i++)
            {
                var ids = new long[maxTokens];
                var mask = new long[maxTokens];
                lengths[i] = runtime.Tokenizer.Encode(texts[i], ids, mask, padTo: null);
                encoded[i] = ids;
            }
        }

        var width = Math.Max(1, lengths.Max());
        var inputIds = new long[texts.Length * width];
        var attention = new long[texts.Length * width];
        for (var i = 0; i < texts.Length; i++)
        {
            encoded[i].AsSpan(0, lengths[i]).CopyTo(inputIds.AsSpan(i * width));
            attention.AsSpan(i * width, lengths[i]).Fill(1);
        }

        long[] shape = [texts.Length, width];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(inputIds, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(attention, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(new long[inputIds.Length], shape);
        var inputs = new Dictionary<string, OrtValue> { ["input_ids"] = idsValue, ["attention_mask"] = maskValue };
        if (runtime.WantsTokenTypes)
        {
            inputs["token_type_ids"] = typesValue;
        }

        using var runOptions = new RunOptions();
        using var results = runtime.Session.Run(runOptions, inputs, [runtime.OutputName]);
        var hidden = results[0].GetTensorDataAsSpan<float>();

        // The model's pooling (sentence-transformers' configuration): the mean over the real tokens, or the [CLS]
        // token's state; then unit length.
        var dimensions = Model.Dimensions;
        for (var i = 0; i < texts.Length; i++)
        {
            var vector = new float[dimensions];
            var rows = hidden.Slice(i * width * dimensions, lengths[i] * dimensions);
            var pooled = Model.Pooling == EmbeddingPooling.Cls ? 1 : lengths[i];
            for (var t = 0; t < pooled; t++)
            {
                TensorPrimitives.Add(vector, rows.Slice(t * dimensions, dimensions), vector);
            }
            var norm = TensorPrimitives.Norm(vector);
            if (norm > 0)
            {
                TensorPrimitives.Divide(vector, norm, vector);
            }
            output[slots[i]] = vector;
        }
        return lengths.Sum();
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the ONNX session once no inference is running.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }
        _life.EnterWriteLock();
        try
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            if (_runtime.IsValueCreated)
            {
                _runtime.Value.Session.Dispose();
            }
        }
        finally
        {
            _life.ExitWriteLock();
        }
    }
}
