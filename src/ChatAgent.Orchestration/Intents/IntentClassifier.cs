using System.Numerics.Tensors;
using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ChatAgent.Orchestration.Intents;

/// <summary>One labelled utterance (<c>{"text","intent"}</c>, a line of a JSONL file).</summary>
public sealed record LabelledUtterance(string Text, string Intent);

/// <summary>The classifier's decision: the best intent, its score (cosine similarity, 0..1) and the runner-up.</summary>
public sealed record IntentPrediction(string Intent, float Score, string RunnerUp, float RunnerUpScore)
{
    /// <summary>True when the best intent clearly wins; flows ask or hand off otherwise.</summary>
    public bool IsConfident(float threshold) => Score >= threshold;
}

/// <summary>
/// Nearest-neighbour intent classifier over sentence embeddings: an intent's score is the mean cosine similarity of
/// its <see cref="TopK"/> closest example utterances. k-NN rather than one centroid per intent, because an intent such
/// as "account" gathers unlike requests (password, sign-up, newsletter) whose mean would sit between all of them.
/// </summary>
public sealed class IntentClassifier
{
    public const int TopK = 3;
    private readonly IEmbeddingGenerator<string, Embedding<float>> _embedder;
    private readonly IReadOnlyList<LabelledUtterance> _examples;
    private readonly SemaphoreSlim _init = new(1, 1);
    private float[][]? _vectors;

    public IntentClassifier(IEmbeddingGenerator<string, Embedding<float>> embedder, IReadOnlyList<LabelledUtterance> examples)
    {
        if (examples.Count == 0)
        {
            throw new ArgumentException("The intent classifier needs example utterances.", nameof(examples));
        }
        _embedder = embedder;
        _examples = examples;
        Intents = examples.Select(e => e.Intent).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    public IReadOnlyList<string> Intents { get; }

    public IReadOnlyList<LabelledUtterance> Examples => _examples;

    /// <summary>The examples shipped with the assembly (<c>Intents/examples.jsonl</c>).</summary>
    public static IReadOnlyList<LabelledUtterance> BuiltInExamples()
    {
        using var stream = typeof(IntentClassifier).Assembly.GetManifestResourceStream("ChatAgent.Orchestration.Intents.examples.jsonl")
            ?? throw new InvalidOperationException("The built-in intent examples are missing from the assembly.");
        using var reader = new StreamReader(stream);
        return ReadJsonl(reader, "built-in examples");
    }

    /// <summary>Reads <c>{"text","intent"}</c> lines; blank lines are skipped; a bad line is a clear error with its number.</summary>
    public static IReadOnlyList<LabelledUtterance> ReadJsonl(TextReader reader, string source)
    {
        var list = new List<LabelledUtterance>();
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            try
            {
                using var doc = JsonDocument.Parse(line);
                var text = doc.RootElement.GetProperty("text").GetString();
                var intent = doc.RootElement.GetProperty("intent").GetString();
                if (string.IsNullOrWhiteSpace(text) || string.IsNullOrWhiteSpace(intent))
                {
                    throw new FormatException("empty text or intent");
                }
                list.Add(new LabelledUtterance(text, intent));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new FormatException($"{source}, line {number}: expected {{\"text\": \"...\", \"intent\": \"...\"}} ({e.Message}).", e);
            }
        }
        return list;
    }

    public async Task<IntentPrediction> ClassifyAsync(string text, CancellationToken cancellationToken = default) =>
        (await ClassifyManyAsync([text], cancellationToken))[0];

    public async Task<IReadOnlyList<IntentPrediction>> ClassifyManyAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        var examples = await EnsureVectorsAsync(cancellationToken);
        var queries = await _embedder.GenerateAsync(texts.Select(Normalize), cancellationToken: cancellationToken);
        var results = new IntentPrediction[texts.Count];
        var sims = new float[examples.Length];
        for (var q = 0; q < texts.Count; q++)
        {
            var query = queries[q].Vector.Span;
            for (var i = 0; i < examples.Length; i++)
            {
                sims[i] = TensorPrimitives.Dot(query, examples[i]);
            }
            var scores = new Dictionary<string, List<float>>(StringComparer.Ordinal);
            for (var i = 0; i < examples.Length; i++)
            {
                var intent = _examples[i].Intent;
                if (!scores.TryGetValue(intent, out var top))
                {
                    scores[intent] = top = [];
                }
                top.Add(sims[i]);
            }
            var ranked = scores
                .Select(kv => (Intent: kv.Key, Score: kv.Value.OrderDescending().Take(TopK).Average()))
                .OrderByDescending(s => s.Score)
                .ToList();
            results[q] = new IntentPrediction(ranked[0].Intent, ranked[0].Score, ranked.Count > 1 ? ranked[1].Intent : ranked[0].Intent, ranked.Count > 1 ? ranked[1].Score : 0);
        }
        return results;
    }

    /// <summary>Order numbers and amounts say nothing about the intent; a placeholder keeps them from pulling on similarity.</summary>
    internal static string Normalize(string text) =>
        SlotExtractor.OrderIdPattern().Replace(text, "order 1234567");

    private async Task<float[][]> EnsureVectorsAsync(CancellationToken cancellationToken)
    {
        if (_vectors is { } ready)
        {
            return ready;
        }
        await _init.WaitAsync(cancellationToken);
        try
        {
            if (_vectors is null)
            {
                var embedded = await _embedder.GenerateAsync(_examples.Select(e => Normalize(e.Text)), cancellationToken: cancellationToken);
                _vectors = embedded.Select(e => Unit(e.Vector.ToArray())).ToArray();
            }
            return _vectors;
        }
        finally
        {
            _init.Release();
        }
    }

    private static float[] Unit(float[] v)
    {
        var norm = TensorPrimitives.Norm(v);
        if (norm > 0)
        {
            TensorPrimitives.Divide(v, norm, v);
        }
        return v;
    }

    internal static Assembly Assembly => typeof(IntentClassifier).Assembly;
}
