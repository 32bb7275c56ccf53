using System.Text;

namespace ChatAgent.Llm.Gguf;

/// <summary>A model file that cannot be used, with the file and the problem named.</summary>
public sealed class ModelFileException(string path, string problem)
    : Exception($"Model file '{path}': {problem}")
{
    /// <summary>The file that was checked.</summary>
    public string FilePath { get; } = path;

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; } = problem;
}

/// <summary>What the GGUF header of a model file says.</summary>
public sealed record GgufModelInfo(
    string Path,
    long FileSize,
    uint Version,
    string Architecture,
    string? Name,
    string? ChatTemplate,
    uint? ContextLength,
    uint? FileType,
    IReadOnlyList<string> TensorNames);

/// <summary>
/// Reads and checks a GGUF file's header before llama.cpp sees it: llama.cpp aborts the process or prints cryptic
/// errors on empty, truncated or foreign files, so start-up checks them here and names the problem.
/// </summary>
public static class GgufInspector
{
    /// <summary>Architectures llama.cpp (b10221) loads that the chat templates here cover.</summary>
    public static IReadOnlySet<string> SupportedArchitectures { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "llama", "qwen2", "qwen3", "qwen2moe", "qwen3moe", "phi3", "gemma", "gemma2", "gemma3", "mistral3", "granite", "olmo2", "smollm3",
    };

    // Architectures whose tensor names follow llama's per-block layout, so missing tensors can be named before loading.
    private static readonly HashSet<string> LlamaLayout = new(StringComparer.Ordinal) { "llama", "qwen2", "qwen3", "mistral3", "granite" };

    /// <summary>Reads and validates <paramref name="path"/>; throws <see cref="ModelFileException"/> naming the problem.</summary>
    public static GgufModelInfo Inspect(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ModelFileException(path ?? "", "no path given");
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new ModelFileException(full, "file not found");
        using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var length = stream.Length;
        if (length == 0) throw new ModelFileException(full, "file is empty (0 bytes), not a GGUF model");
        if (length < 24) throw new ModelFileException(full, $"file is {length} bytes, too short for a GGUF header (truncated or not a model)");
        var reader = new BinaryReader(stream, Encoding.UTF8);
        var magic = reader.ReadUInt32();
        if (magic != GgufFormat.Magic)
        {
            var head = Encoding.ASCII.GetString(BitConverter.GetBytes(magic)).Replace('\0', '.');
            throw new ModelFileException(full, $"wrong magic '{head}' (expected 'GGUF'): not a GGUF model file");
        }
        var version = reader.ReadUInt32();
        if (version is < 2 or > 3) throw new ModelFileException(full, $"unsupported GGUF version {version} (2 or 3 expected)");
        var tensorCount = reader.ReadUInt64();
        var kvCount = reader.ReadUInt64();
        if (tensorCount > 1_000_000 || kvCount > 1_000_000)
            throw new ModelFileException(full, $"implausible header ({tensorCount} tensors, {kvCount} metadata keys): corrupt file");

        var meta = new Dictionary<string, object?>(StringComparer.Ordinal);
        var tensors = new List<(string Name, ulong[] Dims, uint Type, ulong Offset)>();
        try
        {
            for (ulong i = 0; i < kvCount; i++)
            {
                var key = ReadString(reader, length);
                var type = (GgufFormat.ValueType)reader.ReadUInt32();
                meta[key] = ReadValue(reader, type, length, keep: !key.StartsWith("tokenizer.ggml.", StringComparison.Ordinal));
            }
            for (ulong i = 0; i < tensorCount; i++)
            {
                var name = ReadString(reader, length);
                var nDims = reader.ReadUInt32();
                if (nDims is 0 or > 8) throw new InvalidDataException($"tensor '{name}' has {nDims} dimensions");
                var dims = new ulong[nDims];
                for (var d = 0; d < nDims; d++) dims[d] = reader.ReadUInt64();
                tensors.Add((name, dims, reader.ReadUInt32(), reader.ReadUInt64()));
            }
        }
        catch (EndOfStreamException)
        {
            throw new ModelFileException(full, $"file ends inside its header ({length} bytes): truncated");
        }
        catch (InvalidDataException e)
        {
            throw new ModelFileException(full, $"corrupt header: {e.Message}");
        }

        var alignment = meta.TryGetValue("general.alignment", out var a) && a is uint al && al > 0 ? (int)al : GgufFormat.DefaultAlignment;
        var dataStart = GgufFormat.Align(stream.Position, alignment);
        long required = dataStart;
        foreach (var t in tensors)
        {
            if (GgufFormat.BlockLayout(t.Type) is not { } layout) continue;
            var elements = t.Dims.Aggregate(1UL, (x, y) => x * y);
            var bytes = (long)(elements / (ulong)layout.BlockElements * (ulong)layout.BlockBytes);
            required = Math.Max(required, dataStart + (long)t.Offset + bytes);
        }
        if (required > length)
            throw new ModelFileException(full, $"truncated: tensor data needs {required:N0} bytes but the file has {length:N0}");

        if (meta.GetValueOrDefault("general.architecture") is not string arch)
            throw new ModelFileException(full, "metadata key 'general.architecture' is missing");
        if (!SupportedArchitectures.Contains(arch))
            throw new ModelFileException(full, $"unsupported architecture '{arch}' (supported: {string.Join(", ", SupportedArchitectures.Order())})");
        if (tensors.Count == 0) throw new ModelFileException(full, "the file holds no tensors");

        var names = tensors.Select(t => t.Name).ToList();
        if (LlamaLayout.Contains(arch)) CheckLlamaTensors(full, arch, meta, names);

        return new GgufModelInfo(full, length, version, arch,
            meta.GetValueOrDefault("general.name") as string,
            meta.GetValueOrDefault("tokenizer.chat_template") as string,
            meta.GetValueOrDefault($"{arch}.context_length") as uint?,
            meta.GetValueOrDefault("general.file_type") as uint?,
            names);
    }

    private static void CheckLlamaTensors(string path, string arch, Dictionary<string, object?> meta, List<string> names)
    {
        if (meta.GetValueOrDefault($"{arch}.block_count") is not uint blocks)
            throw new ModelFileException(path, $"metadata key '{arch}.block_count' is missing");
        var present = names.ToHashSet(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var n in new[] { "token_embd.weight", "output_norm.weight" })
            if (!present.Contains(n)) missing.Add(n);
        string[] perBlock = ["attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm"];
        for (var b = 0; b < blocks; b++)
        {
            foreach (var n in perBlock)
                if (!present.Contains($"blk.{b}.{n}.weight")) missing.Add($"blk.{b}.{n}.weight");
            // Mixture-of-experts blocks name their feed-forward tensors differently.
            if (!present.Contains($"blk.{b}.ffn_gate_inp.weight"))
                foreach (var n in new[] { "ffn_gate", "ffn_up", "ffn_down" })
                    if (!present.Contains($"blk.{b}.{n}.weight")) missing.Add($"blk.{b}.{n}.weight");
        }
        if (missing.Count > 0)
            throw new ModelFileException(path, $"missing tensors: {string.Join(", ", missing.Take(8))}{(missing.Count > 8 ? $" and {missing.Count - 8} more" : "")}");
    }

    private static string ReadString(BinaryReader r, long fileLength)
    {
        var len = r.ReadUInt64();
        if (len > (ulong)Math.Min(fileLength, 64 << 20)) throw new InvalidDataException($"string of {len} bytes");
        return Encoding.UTF8.GetString(r.ReadBytes(checked((int)len)) is { } b && b.Length == (int)len ? b : throw new EndOfStreamException());
    }

    private static object? ReadValue(BinaryReader r, GgufFormat.ValueType type, long fileLength, bool keep)
    {
        switch (type)
        {
            case GgufFormat.ValueType.UInt8: return r.ReadByte();
            case GgufFormat.ValueType.Int8: return r.ReadSByte();
            case GgufFormat.ValueType.UInt16: return r.ReadUInt16();
            case GgufFormat.ValueType.Int16: return r.ReadInt16();
            case GgufFormat.ValueType.UInt32: return r.ReadUInt32();
            case GgufFormat.ValueType.Int32: return r.ReadInt32();
            case GgufFormat.ValueType.Float32: return r.ReadSingle();
            case GgufFormat.ValueType.Bool: return r.ReadByte() != 0;
            case GgufFormat.ValueType.String: return ReadString(r, fileLength);
            case GgufFormat.ValueType.UInt64: return r.ReadUInt64();
            case GgufFormat.ValueType.Int64: return r.ReadInt64();
            case GgufFormat.ValueType.Float64: return r.ReadDouble();
            case GgufFormat.ValueType.Array:
                var elementType = (GgufFormat.ValueType)r.ReadUInt32();
                var count = r.ReadUInt64();
                if (count > (ulong)fileLength) throw new InvalidDataException($"array of {count} elements");
                // Vocabulary arrays are large and not needed here: skip them without materialising.
                for (ulong i = 0; i < count; i++) ReadValue(r, elementType, fileLength, keep: false);
                return keep ? count : null;
            default:
                throw new InvalidDataException($"unknown metadata value type {(uint)type}");
        }
    }
}
