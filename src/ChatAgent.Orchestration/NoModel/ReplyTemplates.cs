using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace ChatAgent.Orchestration.NoModel;

/// <summary>
/// Every sentence the no-model bot composes, from template files: <c>{PromptsPath}/replies/{language}.txt</c> holds
/// <c>key = text</c> lines (<c>{name}</c> placeholders, <c>\n</c> for a line break, <c>#</c> comments). A shop overrides
/// any key in <c>{PromptsPath}/replies/{language}.shop.txt</c> (same key wins) without touching the shipped file. A key
/// missing in a language falls back to English; the shipped English file is also built into the assembly, so a shop's
/// own prompts folder without <c>replies/</c> still gets every reply. Files are re-read when they change.
/// </summary>
public sealed partial class ReplyTemplates(string promptsFolder)
{
    public const string DefaultLanguage = "en";
    private const string Resource = "ChatAgent.Orchestration.replies.en.txt";
    private readonly ConcurrentDictionary<string, (DateTime Stamp, IReadOnlyDictionary<string, string> Lines)> _files = new(StringComparer.Ordinal);
    private static readonly Lazy<IReadOnlyDictionary<string, string>> BuiltIn = new(() =>
    {
        using var stream = typeof(ReplyTemplates).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"The built-in reply templates ({Resource}) are missing from the assembly.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), "built-in replies/en.txt");
    });

    /// <summary>The folder the templates are read from (<c>Orchestrator:PromptsPath</c>).</summary>
    public string Folder { get; } = promptsFolder;

    /// <summary>The template for <paramref name="key"/> in <paramref name="language"/>, with <paramref name="values"/> filled in.</summary>
    public string Render(string key, string language = DefaultLanguage, IReadOnlyDictionary<string, string?>? values = null)
    {
        var template = Find(key, language) ?? throw new KeyNotFoundException($"No reply template '{key}' in replies/{language}.txt or the built-in English replies.");
        return Placeholder().Replace(template, m => values is not null && values.TryGetValue(m.Groups[1].Value, out var v) ? v ?? "" : m.Value).Trim();
    }

    /// <summary>Shorthand: <c>Render(key, language, ("name", value), ...)</c>.</summary>
    public string Render(string key, string language, params (string Name, string? Value)[] values) =>
        Render(key, language, values.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal));

    /// <summary>True when a template exists for <paramref name="key"/> (in any fallback).</summary>
    public bool Has(string key, string language = DefaultLanguage) => Find(key, language) is not null;

    private string? Find(string key, string language)
    {
        foreach (var lang in language == DefaultLanguage ? [DefaultLanguage] : new[] { language, DefaultLanguage })
        {
            if (Load(Path.Combine(Folder, "replies", $"{lang}.shop.txt")).TryGetValue(key, out var shop))
            {
                return shop;
            }
            if (Load(Path.Combine(Folder, "replies", $"{lang}.txt")).TryGetValue(key, out var shipped))
            {
                return shipped;
            }
        }
        return BuiltIn.Value.TryGetValue(key, out var builtIn) ? builtIn : null;
    }

    private IReadOnlyDictionary<string, string> Load(string path)
    {
        var stamp = File.Exists(path) ? File.GetLastWriteTimeUtc(path) : DateTime.MinValue;
        if (_files.TryGetValue(path, out var cached) && cached.Stamp == stamp)
        {
            return cached.Lines;
        }
        var lines = stamp == DateTime.MinValue ? new Dictionary<string, string>() : Parse(File.ReadAllText(path), path);
        _files[path] = (stamp, lines);
        return lines;
    }

    /// <summary>Parses <c>key = text</c> lines; a line without <c>=</c> is a clear error naming the file and line.</summary>
    public static IReadOnlyDictionary<string, string> Parse(string content, string source)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var number = 0;
        foreach (var raw in content.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith('#'))
            {
                continue;
            }
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new FormatException($"{source}, line {number}: expected 'key = text'.");
            }
            result[line[..eq].Trim()] = line[(eq + 1)..].Trim().Replace("\\n", "\n", StringComparison.Ordinal);
        }
        return result;
    }

    [GeneratedRegex(@"\{([a-z_]+)\}")]
    private static partial Regex Placeholder();
}
