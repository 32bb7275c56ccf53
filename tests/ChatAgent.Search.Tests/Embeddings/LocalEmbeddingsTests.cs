using System.Numerics.Tensors;
using ChatAgent.Embeddings;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.Search.Tests.Embeddings;

public sealed class LocalEmbeddingsTests(EmbedderFixture fixture) : IClassFixture<EmbedderFixture>
{
    private readonly IEmbeddingGenerator<string, Embedding<float>> _embedder = fixture.Generator;

    [Fact]
    public async Task Paraphrases_are_closer_than_unrelated_text()
    {
        var vectors = await _embedder.GenerateAsync(["wireless earbuds", "Bluetooth in-ear headphones", "garden hose with brass fittings"]);
        var related = TensorPrimitives.Dot(vectors[0].Vector.Span, vectors[1].Vector.Span);
        var unrelated = TensorPrimitives.Dot(vectors[0].Vector.Span, vectors[2].Vector.Span);
        Assert.True(related > unrelated + 0.2f, $"related {related:F3} vs unrelated {unrelated:F3}");
    }

    [Fact]
    public async Task Vectors_have_384_dimensions_and_unit_length()
    {
        var vector = (await _embedder.GenerateAsync(["Where is my order?"]))[0].Vector;
        Assert.Equal(MiniLmEmbeddingGenerator.Dimensions, vector.Length);
        Assert.Equal(1f, TensorPrimitives.Norm(vector.Span), 3);
    }

    [Fact]
    public async Task A_batch_gives_the_same_vectors_as_single_calls()
    {
        string[] texts = ["short", "a considerably longer sentence about a leather office chair with armrests", "Crème brûlée torch", "WHITE HANGING HEART T-LIGHT HOLDER"];
        var batch = await _embedder.GenerateAsync(texts);
        for (var i = 0; i < texts.Length; i++)
        {
            var single = (await _embedder.GenerateAsync([texts[i]]))[0].Vector.Span;
            Assert.True(TensorPrimitives.Dot(single, batch[i].Vector.Span) > 0.9999f, texts[i]);
        }
    }

    [Fact]
    public async Task Upper_case_and_accented_words_are_not_unknown_tokens()
    {
        // The packaged tokenizer turned "WH..." and accented words into [UNK]; ours must not.
        var vectors = await _embedder.GenerateAsync(["WHITE HANGING HEART", "white hanging heart", "café", "cafe"]);
        Assert.True(TensorPrimitives.Dot(vectors[0].Vector.Span, vectors[1].Vector.Span) > 0.999f);
        Assert.True(TensorPrimitives.Dot(vectors[2].Vector.Span, vectors[3].Vector.Span) > 0.95f);
    }

    [Fact]
    public async Task Concurrent_callers_get_correct_vectors()
    {
        var expected = (await _embedder.GenerateAsync(["red running shoes"]))[0].Vector.ToArray();
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => _embedder.GenerateAsync(["red running shoes"]))));
        Assert.All(results, r => Assert.True(TensorPrimitives.Dot(expected, r[0].Vector.Span) > 0.9999f));
    }

    [Fact]
    public void The_generator_is_registered_as_a_singleton_with_metadata()
    {
        using var provider = new ServiceCollection().AddLocalEmbeddings().BuildServiceProvider();
        var first = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        Assert.Same(first, provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.Equal(384, first.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelDimensions);
    }
}

/// <summary>One model load for the whole class (~1 s).</summary>
public sealed class EmbedderFixture : IDisposable
{
    public MiniLmEmbeddingGenerator Generator { get; } = new(new LocalEmbeddingOptions());
    public void Dispose() => Generator.Dispose();
}
