using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace ChatAgent.Embeddings;

/// <summary>The ONNX graph and WordPiece vocabulary of a <see cref="LocalEmbeddingModel"/>, read from a file or from a DLL's resources.</summary>
internal sealed record EmbeddedModel(byte[] Onnx, string Vocabulary)
{
    public static EmbeddedModel Load(LocalEmbeddingOptions options, LocalEmbeddingModel model)
    {
        // A plain ONNX file replaces MiniLM (mean pooling, no prefix); other models come from their DLLs only.
        if (!string.IsNullOrWhiteSpace(options.OnnxModelPath) && model == LocalEmbeddingModel.MiniLm)
        {
            if (string.IsNullOrWhiteSpace(options.VocabularyPath))
            {
                throw new InvalidOperationException("Embeddings:OnnxModelPath is set but Embeddings:VocabularyPath is empty; both are needed.");
            }
            return new EmbeddedModel(File.ReadAllBytes(RequireFile(options.OnnxModelPath, "Embeddings:OnnxModelPath")),
                                     File.ReadAllText(RequireFile(options.VocabularyPath, "Embeddings:VocabularyPath")));
        }

        // ModelAssemblyPath points at the MiniLM DLL (the intent classifier's); other models sit beside it.
        var assemblyPath = string.IsNullOrWhiteSpace(options.ModelAssemblyPath)
            ? Path.Combine(AppContext.BaseDirectory, "models", model.AssemblyFile)
            : model == LocalEmbeddingModel.MiniLm ? options.ModelAssemblyPath
            : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(options.ModelAssemblyPath)) ?? "", model.AssemblyFile);
        return FromAssembly(RequireFile(assemblyPath, "Embeddings:ModelAssemblyPath"), model.ResourcePrefix);
    }

    /// <summary>
    /// Reads managed resources straight from the PE file, without loading the assembly: its code (and its faulty
    /// tokenizer) is never run, and the 91 MB file is not mapped into the load context.
    /// </summary>
    public static EmbeddedModel FromAssembly(string path, string resourcePrefix)
    {
        var onnxResource = resourcePrefix + "model.onnx";
        var vocabularyResource = resourcePrefix + "vocab.txt";
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var resources = pe.PEHeaders.CorHeader?.ResourcesDirectory
            ?? throw new InvalidDataException($"{path} has no managed resources.");
        var section = pe.GetSectionData(resources.RelativeVirtualAddress);

        byte[]? onnx = null;
        string? vocabulary = null;
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            var name = metadata.GetString(resource.Name);
            if (name != onnxResource && name != vocabularyResource)
            {
                continue;
            }
            // Each embedded resource is a little-endian int32 length followed by the bytes.
            var reader = section.GetReader((int)resource.Offset, resources.Size - (int)resource.Offset);
            var length = reader.ReadInt32();
            var bytes = reader.ReadBytes(length);
            if (name == onnxResource)
            {
                onnx = bytes;
            }
            else
            {
                vocabulary = System.Text.Encoding.UTF8.GetString(bytes);
            }
        }

        return new EmbeddedModel(
            onnx ?? throw new InvalidDataException($"{path} holds no resource {onnxResource}."),
            vocabulary ?? throw new InvalidDataException($"{path} holds no resource {vocabularyResource}."));
    }

    private static string RequireFile(string path, string key) => File.Exists(path)
        ? path
        : throw new FileNotFoundException($"{key}: the embedding model file '{path}' does not exist. Build the ChatAgent.Embeddings project (it copies the model under models/) or point {key} at the file.", path);
}
