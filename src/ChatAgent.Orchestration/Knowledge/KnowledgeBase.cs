using System.Numerics.Tensors;
using System.Text;
using Microsoft.Extensions.AI;

namespace ChatAgent.Orchestration.Knowledge;

/// <summary>A section of a policy document: where it comes from and what it says.</summary>
public sealed record PolicyPassage(string Source, string Title, string Text)
{
    /// <summary>"Returns and exchanges › Return window (knowledge/returns.md)": how an answer names its source.</summary>
    public string Citation => $"{Title} ({Source})";
}

/// <summary>A passage found for a question, with its cosine similarity.</summary>
public sealed record PolicyHit(PolicyPassage Passage, float Score);

/// <summary>
/// The shop's policy documents (markdown files in <c>knowledge/</c>), split at <c>##</c> headings and searched with
/// the local sentence embeddings. Small enough to hold in memory; re-read when a file changes.
/// </summary>
public sealed class KnowledgeBase(string folder, IEmbeddingGenerator<string, Embedding<float>> embedder)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (DateTime Stamp, IReadOnlyList<PolicyPassage> Passages, float[][] Vectors)? _index;

    public string Folder { get; } = folder;

    public async Task<IReadOnlyList<PolicyHit>> SearchAsync(string question, int top, double minScore, CancellationToken cancellationToken)
    {
        var index = await EnsureIndexAsync(cancellationToken);
        if (index.Passages.Count == 0 || string.IsNullOrWhiteSpace(question))
        {
            return [];
        }
        var query = (await embedder.GenerateAsync([question], cancellationToken: cancellationToken))[0].Vector.ToArray();
        return index.Passages
            .Select((p, i) => new PolicyHit(p, TensorPrimitives.CosineSimilarity(query, index.Vectors[i])))
            .Where(h => h.Score >= minScore)
            .OrderByDescending(h => h.Score)
            .Take(top)
            .ToList();
    }

    /// <summary>Splits one markdown document into passages: the <c>#</c> title names the document, each <c>##</c> a passage.</summary>
    public static IReadOnlyList<PolicyPassage> Split(string source, string markdown)
    {
        var passages = new List<PolicyPassage>();
        var docTitle = Path.GetFileNameWithoutExtension(source);
        string? section = null;
        var body = new StringBuilder();
        void Flush()
        {
            var text = body.ToString().Trim();
            if (text.Length > 0)
            {
                passages.Add(new PolicyPassage(source, section is null ? docTitle : $"{docTitle} › {section}", string.Join(' ', text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))));
            }
            body.Clear();
        }
        foreach (var raw in markdown.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                Flush();
                section = line[3..].Trim();
            }
            else if (line.StartsWith("# ", StringComparison.Ordinal))
            {
                Flush();
                docTitle = line[2..].Trim();
            }
            else
            {
                body.AppendLine(line);
            }
        }
        Flush();
        return passages;
    }

    private async Task<(DateTime Stamp, IReadOnlyList<PolicyPassage> Passages, float[][] Vectors)> EnsureIndexAsync(CancellationToken cancellationToken)
    {
        var files = Directory.Exists(Folder) ? Directory.GetFiles(Folder, "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray() : [];
        var stamp = files.Length == 0 ? DateTime.MinValue : files.Max(File.GetLastWriteTimeUtc);
        if (_index is { } current && current.Stamp == stamp)
        {
            return current;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_index is { } again && again.Stamp == stamp)
            {
                return again;
            }
            var passages = new List<PolicyPassage>();
            foreach (var file in files)
            {
                var source = "knowledge/" + Path.GetRelativePath(Folder, file).Replace('\\', '/');
                passages.AddRange(Split(source, await File.ReadAllTextAsync(file, cancellationToken)));
            }
            var vectors = passages.Count == 0
                ? []
                : (await embedder.GenerateAsync(passages.Select(p => p.Title + ". " + p.Text), cancellationToken: cancellationToken)).Select(e => e.Vector.ToArray()).ToArray();
            _index = (stamp, passages, vectors);
            return _index.Value;
        }
        finally
        {
            _gate.Release();
        }
    }
}
