using ChatAgent.Llm.Gguf;
using ChatAgent.Llm.Hosting;

namespace ChatAgent.Llm.Tests;

/// <summary>Generated models shared by the tests of this process (written once into a temp folder).</summary>
internal static class TestModels
{
    private static readonly Lazy<string> TinyPath = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), "chatagent-llm-tests", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "tiny.gguf");
        TestModelFactory.Create(path, TestModelPreset.Tiny);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(dir, true); } catch (IOException) { } };
        return path;
    });

    private static readonly Lazy<LocalModel> Shared = new(() => LocalModel.Load(Options()));

    public static string Tiny => TinyPath.Value;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string), Lazy<string>> RealVocab = new();

    /// <summary>
    /// A tiny body (64 wide, 2 layers) with a real tokenizer's whole vocabulary, written once per process and tokenizer;
    /// <paramref name="architecture"/> llama or qwen3. Skips when the tokenizer packages are not installed.
    /// </summary>
    public static string TinyWithTokenizer(string tokenizerJson, string architecture = "llama") => RealVocab.GetOrAdd((tokenizerJson, architecture), key => new(() =>
    {
        var path = Path.Combine(Path.GetDirectoryName(Tiny)!, $"tiny-{architecture}-{Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(key.Item1)))}.gguf");
        // qwen3: heads wider than width / heads (Qwen3-0.6B: 16 heads of 128 over 1024), as the real shape has.
        TestModelFactory.Create(path, TestModelPreset.Tiny with { Name = "tiny-" + architecture, Architecture = architecture, HeadDim = architecture == "qwen3" ? 32 : 0 },
            tokenizer: HuggingFaceTokenizer.Load(key.Item1));
        return path;
    })).Value;

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetDirectoryName(Tiny)!, Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>One loaded tiny model for tests that do not depend on engine sizing.</summary>
    public static LocalModel SharedModel => Shared.Value;

    public static ModelOptions Options(int maxConcurrent = 4, int queue = 8, int cached = 4, int context = 4096) => new()
    {
        Path = Tiny,
        ContextSize = context,
        BatchSize = 512,
        // One thread: llama.cpp's spinning thread barrier collapses on an oversubscribed 2-core CI machine.
        Threads = 1,
        MaxConcurrent = maxConcurrent,
        QueueLength = queue,
        CachedConversations = cached,
        CacheTokens = 2048,
        Temperature = 0,
        MaxOutputTokens = 64,
    };
}
