using System.CommandLine;
using ChatAgent.Embeddings;

namespace ChatAgent.Orchestration.Intents.Eval;

/// <summary>
/// <c>chatagent eval intents FILE.jsonl [--map foreign=ours,...] [--examples FILE.jsonl]</c>: classifies every
/// <c>{"text","intent"}</c> line with the no-model intent classifier and prints accuracy, per-intent precision and
/// recall, and the most frequent confusions. Without <c>--map</c> the built-in Bitext mapping applies.
/// </summary>
public static class EvalCommand
{
    /// <summary>Creates the <c>eval</c> verb (with its <c>intents</c> subcommand); the host adds it to its root command.</summary>
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "labelled JSONL file: one {\"text\",\"intent\"} object a line" };
        var map = new Option<string[]>("--map")
        {
            Description = "foreign=ours intent name pairs, comma-separated (default: the built-in Bitext mapping)",
            AllowMultipleArgumentsPerToken = true,
        };
        var examples = new Option<FileInfo?>("--examples") { Description = "example utterances to classify with instead of the built-in ones" };
        var intents = new Command("intents", "Evaluate the no-model intent classifier on a labelled file") { file, map, examples };
        intents.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            try
            {
                var input = parse.GetRequiredValue(file);
                if (!input.Exists)
                {
                    await error.WriteLineAsync($"eval intents: {input.FullName} does not exist.");
                    return 2;
                }
                var mapping = parse.GetValue(map) is { Length: > 0 } pairs ? IntentEvaluation.ParseMapping(pairs) : IntentEvaluation.BitextMapping();
                IReadOnlyList<LabelledUtterance> train;
                if (parse.GetValue(examples) is { } examplesFile)
                {
                    using var r = examplesFile.OpenText();
                    train = IntentClassifier.ReadJsonl(r, examplesFile.FullName);
                }
                else
                {
                    train = IntentClassifier.BuiltInExamples();
                }
                IReadOnlyList<LabelledUtterance> rows;
                using (var reader = input.OpenText())
                {
                    rows = IntentClassifier.ReadJsonl(reader, input.FullName);
                }
                using var embedder = new MiniLmEmbeddingGenerator(new LocalEmbeddingOptions());
                var started = System.Diagnostics.Stopwatch.StartNew();
                var report = await IntentEvaluation.EvaluateAsync(new IntentClassifier(embedder, train), rows, mapping, ct);
                await output.WriteAsync(report.Format());
                await output.WriteLineAsync($"{report.Total} utterances in {started.Elapsed.TotalSeconds:F1} s");
                return 0;
            }
            catch (FormatException e)
            {
                await error.WriteLineAsync($"eval intents: {e.Message}");
                return 2;
            }
        });
        return new Command("eval", "Evaluate parts of the bot on labelled data") { intents };
    }
}
