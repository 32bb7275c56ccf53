using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LLama.Native;
using LLama.Sampling;

namespace ChatAgent.Llm.Engine;

/// <summary>Picks the next token of one sequence from the logits of the last decode (on the llama thread).</summary>
internal interface ITokenSampler : IDisposable
{
    LLamaToken Sample(SafeLLamaContextHandle context, int logitsIndex);
}

/// <summary>Sampler choice per request.</summary>
internal static class TokenSamplers
{
    /// <summary>
    /// Greedy, or temperature with top-k (the product's defaults) and no grammar or logit bias: sampled in managed code
    /// straight from llama.cpp's logits buffer. LLamaSharp's native chain first copies all logits into a candidate array
    /// (151,936 entries for Qwen vocabularies) for every token of every sequence, which costs more than the whole graph
    /// of a small model's decode step per sequence. Grammar and logit bias keep the native chain.
    /// </summary>
    public static ITokenSampler Create(GenerationRequest request)
    {
        var s = request.Sampling;
        if (request.Grammar is null && request.LogitBias is null)
        {
            if (s.Temperature <= 0) return new GreedySampler();
            if (s.TopK is > 0 and <= 1024) return new TopKSampler(s);
        }
        return new NativeSampler(new DefaultSamplingPipeline
        {
            Temperature = s.Temperature,
            TopP = s.TopP,
            TopK = s.TopK,
            MinP = s.MinP,
            Seed = s.Seed,
            Grammar = request.Grammar is { } g ? new Grammar(g, "root") : null,
            LogitBias = request.LogitBias ?? new Dictionary<LLamaToken, float>(),
        });
    }

    /// <summary>Index of the first largest value (the token llama.cpp's greedy sampler picks).</summary>
    // Straight to optimized code: tier-0 code runs Vector<T> as calls, ~100x slower, for the first few hundred tokens.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) throw new ArgumentException("No logits.", nameof(values));
        var max = float.NegativeInfinity;
        var i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count * 2)
        {
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
            var best = new Vector<float>(float.NegativeInfinity);
            foreach (var v in vectors) best = Vector.Max(best, v);
            for (var k = 0; k < Vector<float>.Count; k++) max = Math.Max(max, best[k]);
            i = vectors.Length * Vector<float>.Count;
        }
        for (var k = i; k < values.Length; k++) max = Math.Max(max, values[k]);
        return values.IndexOf(max) is var at and >= 0 ? at : 0; // NaN-only logits: token 0
    }
}

/// <summary>LLamaSharp's native sampling chain (grammar, logit bias).</summary>
internal sealed class NativeSampler(ISamplingPipeline pipeline) : ITokenSampler
{
    public LLamaToken Sample(SafeLLamaContextHandle context, int logitsIndex) => pipeline.Sample(context, logitsIndex);

    public void Dispose() => pipeline.Dispose();
}

/// <summary>Greedy: the argmax of the logits.</summary>
internal sealed class GreedySampler : ITokenSampler
{
    public LLamaToken Sample(SafeLLamaContextHandle context, int logitsIndex) => TokenSamplers.ArgMax(context.GetLogitsIth(logitsIndex));

    public void Dispose()
    {
    }
}

/// <summary>
/// llama.cpp's chain as LLamaSharp's DefaultSamplingPipeline builds it without grammar, penalties or bias — top-k, top-p,
/// min-p, temperature, then a draw — over the k best logits only. The draw uses its own seeded generator, so a seed
/// gives reproducible answers, though not the same ones as llama.cpp's mt19937 would.
/// </summary>
internal sealed class TopKSampler(SamplingSettings settings) : ITokenSampler
{
    private readonly Random _random = new((int)settings.Seed);
    private readonly int[] _ids = new int[settings.TopK];
    private readonly float[] _logits = new float[settings.TopK];
    private readonly double[] _p = new double[settings.TopK];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public LLamaToken Sample(SafeLLamaContextHandle context, int logitsIndex)
    {
        var logits = context.GetLogitsIth(logitsIndex);
        var n = TopK(logits, _ids, _logits); // sorted, best first

        // top-p on the softmax at temperature 1, keeping at least one.
        var max = _logits[0];
        double sum = 0;
        for (var i = 0; i < n; i++) sum += _p[i] = Math.Exp(_logits[i] - max);
        if (settings.TopP < 1)
        {
            double cum = 0;
            for (var i = 0; i < n; i++)
            {
                cum += _p[i] / sum;
                if (cum >= settings.TopP) { n = i + 1; break; }
            }
        }
        // min-p: logits at least max + ln(min_p).
        if (settings.MinP > 0)
        {
            var floor = max + MathF.Log(settings.MinP);
            var keep = 1;
            while (keep < n && _logits[keep] >= floor) keep++;
            n = keep;
        }
        // temperature, then the draw.
        sum = 0;
        for (var i = 0; i < n; i++) sum += _p[i] = Math.Exp((_logits[i] - max) / settings.Temperature);
        var u = _random.NextDouble() * sum;
        for (var i = 0; i < n; i++)
        {
            u -= _p[i];
            if (u < 0) return _ids[i];
        }
        return _ids[n - 1];
    }

    /// <summary>The k largest logits, sorted descending (ties: lower id first); returns how many (≤ k).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int TopK(ReadOnlySpan<float> logits, int[] ids, float[] values)
    {
        var k = Math.Min(ids.Length, logits.Length);
        if (k == 0) return 0;
        var count = 0;
        var threshold = float.NegativeInfinity; // the k-th best so far once k are held
        var width = Vector.IsHardwareAccelerated ? Vector<float>.Count : 1;
        var vectors = Vector.IsHardwareAccelerated ? MemoryMarshal.Cast<float, Vector<float>>(logits) : default;
        for (var i = 0; i < logits.Length; i++)
        {
            // Whole vectors below the threshold are skipped once k are held (almost all of a large vocabulary).
            if (count == k && width > 1 && i % width == 0 && i / width < vectors.Length
                && !Vector.GreaterThanAny(vectors[i / width], new Vector<float>(threshold)))
            {
                i += width - 1;
                continue;
            }
            var value = logits[i];
            if (count == k && !(value > threshold)) continue;
            // Insertion into the sorted arrays (k is small: 40 by default).
            var at = count == k ? k - 1 : count++;
            while (at > 0 && values[at - 1] < value)
            {
                values[at] = values[at - 1];
                ids[at] = ids[at - 1];
                at--;
            }
            values[at] = value;
            ids[at] = i;
            if (count == k) threshold = values[k - 1];
        }
        return count;
    }

    public void Dispose()
    {
    }
}
