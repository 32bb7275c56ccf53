using System.Buffers.Binary;
using System.Text;

namespace ChatAgent.Llm.Gguf;

/// <summary>
/// Writes GGUF v3 files. Hand-written because no served .NET package writes GGUF; only what the test-model
/// generator needs (scalar/array metadata, F32/F16 tensors whose data is produced while streaming).
/// </summary>
internal sealed class GgufWriter
{
    private readonly List<(string Key, GgufFormat.ValueType Type, object Value)> _metadata = [];
    private readonly List<TensorEntry> _tensors = [];

    private sealed record TensorEntry(string Name, long[] Dims, GgufFormat.TensorType Type, Action<Span<float>> Fill)
    {
        public long Elements => Dims.Aggregate(1L, (a, b) => a * b);
        public long ByteSize => Elements * (Type == GgufFormat.TensorType.F32 ? 4 : 2);
    }

    public GgufWriter Add(string key, string value) => AddRaw(key, GgufFormat.ValueType.String, value);
    public GgufWriter Add(string key, uint value) => AddRaw(key, GgufFormat.ValueType.UInt32, value);
    public GgufWriter Add(string key, float value) => AddRaw(key, GgufFormat.ValueType.Float32, value);
    public GgufWriter Add(string key, bool value) => AddRaw(key, GgufFormat.ValueType.Bool, value);
    public GgufWriter Add(string key, string[] values) => AddRaw(key, GgufFormat.ValueType.Array, values);
    public GgufWriter Add(string key, float[] values) => AddRaw(key, GgufFormat.ValueType.Array, values);
    public GgufWriter Add(string key, int[] values) => AddRaw(key, GgufFormat.ValueType.Array, values);

    private GgufWriter AddRaw(string key, GgufFormat.ValueType type, object value)
    {
        _metadata.Add((key, type, value));
        return this;
    }

    /// <summary>Adds a tensor; <paramref name="dims"/> innermost first, as GGUF stores them.</summary>
    public GgufWriter AddTensor(string name, long[] dims, GgufFormat.TensorType type, Action<Span<float>> fill)
    {
        if (type is not (GgufFormat.TensorType.F32 or GgufFormat.TensorType.F16))
            throw new ArgumentException("Only F32 and F16 tensors are written directly; quantize afterwards.", nameof(type));
        _tensors.Add(new TensorEntry(name, dims, type, fill));
        return this;
    }

    public void Write(string path)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        using var w = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true);
        w.Write(GgufFormat.Magic);
        w.Write(GgufFormat.Version);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)_metadata.Count);
        foreach (var (key, type, value) in _metadata)
        {
            WriteString(w, key);
            w.Write((uint)type);
            WriteValue(w, type, value);
        }

        long offset = 0;
        foreach (var t in _tensors)
        {
            WriteString(w, t.Name);
            w.Write((uint)t.Dims.Length);
            foreach (var d in t.Dims) w.Write((ulong)d);
            w.Write((uint)t.Type);
            w.Write((ulong)offset);
            offset = GgufFormat.Align(offset + t.ByteSize, GgufFormat.DefaultAlignment);
        }
        w.Flush();
        Pad(file);

        const int chunk = 1 << 16;
        var values = new float[chunk];
        var bytes = new byte[chunk * 4];
        foreach (var t in _tensors)
        {
            var remaining = t.Elements;
            while (remaining > 0)
            {
                var n = (int)Math.Min(chunk, remaining);
                var span = values.AsSpan(0, n);
                t.Fill(span);
                int size;
                if (t.Type == GgufFormat.TensorType.F32)
                {
                    for (var i = 0; i < n; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), span[i]);
                    size = n * 4;
                }
                else
                {
                    for (var i = 0; i < n; i++) BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(i * 2), (Half)span[i]);
                    size = n * 2;
                }
                file.Write(bytes, 0, size);
                remaining -= n;
            }
            Pad(file);
        }
    }

    private static void Pad(Stream s)
    {
        var padded = GgufFormat.Align(s.Position, GgufFormat.DefaultAlignment);
        while (s.Position < padded) s.WriteByte(0);
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteValue(BinaryWriter w, GgufFormat.ValueType type, object value)
    {
        switch (value)
        {
            case string s: WriteString(w, s); break;
            case uint u: w.Write(u); break;
            case float f: w.Write(f); break;
            case bool b: w.Write((byte)(b ? 1 : 0)); break;
            case string[] arr:
                w.Write((uint)GgufFormat.ValueType.String); w.Write((ulong)arr.Length);
                foreach (var s in arr) WriteString(w, s);
                break;
            case float[] arr:
                w.Write((uint)GgufFormat.ValueType.Float32); w.Write((ulong)arr.Length);
                foreach (var f in arr) w.Write(f);
                break;
            case int[] arr:
                w.Write((uint)GgufFormat.ValueType.Int32); w.Write((ulong)arr.Length);
                foreach (var i in arr) w.Write(i);
                break;
            default: throw new ArgumentException($"Unsupported GGUF value {value.GetType()} for {type}.");
        }
    }
}
