using ChatAgent.Embeddings;
using ChatAgent.Orchestration.Intents;
using ChatAgent.Orchestration.Intents.Eval;
using ChatAgent.Testing;

namespace ChatAgent.Orchestration.Tests;

public sealed class IntentEvaluationTests
{
    [Fact]
    public async Task Bitext_customer_support_utterances_are_classified_with_our_own_examples_and_the_accuracy_is_printed()
    {
        var path = SharedData.Require("bitext-customer-support/train.jsonl");
        using var reader = File.OpenText(path);
        var rows = IntentClassifier.ReadJsonl(reader, path);

        var report = await IntentEvaluation.EvaluateAsync(new IntentClassifier(SharedEmbedder.Instance, IntentClassifier.BuiltInExamples()), rows, IntentEvaluation.BitextMapping(), TestContext.Current.CancellationToken);

        TestContext.Current.SendDiagnosticMessage(report.Format());
        Console.WriteLine(report.Format());
        Assert.Equal(rows.Count, report.Total);
        Assert.True(report.Accuracy >= 0.90, $"accuracy {report.Accuracy:F3} fell below the 0.90 goal:\n{report.Format()}");
    }

    [Fact]
    public void Every_intent_has_at_least_twenty_of_our_own_example_utterances()
    {
        var examples = IntentClassifier.BuiltInExamples();
        Assert.All(examples.GroupBy(e => e.Intent), g => Assert.True(g.Count() >= 20, $"{g.Key}: {g.Count()} examples"));
    }

    [Fact]
    public void A_mapping_with_a_missing_side_is_a_clear_error()
    {
        var error = Assert.Throws<FormatException>(() => IntentEvaluation.ParseMapping(["track_order=order_status,broken"]));
        Assert.Contains("broken", error.Message);
    }
}

/// <summary>One embedder for the whole test process (the model takes about a second to load).</summary>
internal static class SharedEmbedder
{
    private static readonly Lazy<MiniLmEmbeddingGenerator> Lazy = new(() => new MiniLmEmbeddingGenerator(new LocalEmbeddingOptions()));

    public static MiniLmEmbeddingGenerator Instance => Lazy.Value;
}
