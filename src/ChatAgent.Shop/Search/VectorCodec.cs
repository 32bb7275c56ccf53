using System.Runtime.InteropServices;

namespace ChatAgent.Shop.Search;

/// <summary>float32 vectors as little-endian bytes, the storage format on both providers.</summary>
internal static class VectorCodec
{
    public static byte[] ToBytes(ReadOnlySpan<float> vector) => MemoryMarshal.AsBytes(vector).ToArray();

    public static float[] ToFloats(byte[] bytes) => MemoryMarshal.Cast<byte, float>(bytes).ToArray();

    public static void CopyTo(byte[] bytes, Span<float> destination) => MemoryMarshal.Cast<byte, float>(bytes).CopyTo(destination);
}
