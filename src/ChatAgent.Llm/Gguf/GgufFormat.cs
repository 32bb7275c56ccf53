namespace ChatAgent.Llm.Gguf;

/// <summary>Constants of the GGUF v3 container format (see ggml/docs/gguf.md).</summary>
internal static class GgufFormat
{
    public const uint Magic = 0x46554747; // "GGUF" little-endian
    public const uint Version = 3;
    public const int DefaultAlignment = 32;

    public enum ValueType : uint
    {
        UInt8 = 0, Int8 = 1, UInt16 = 2, Int16 = 3, UInt32 = 4, Int32 = 5, Float32 = 6, Bool = 7,
        String = 8, Array = 9, UInt64 = 10, Int64 = 11, Float64 = 12,
    }

    public enum TensorType : uint
    {
        F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
        Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15, BF16 = 30,
    }

    /// <summary>Bytes per block and elements per block, or null for types this checker does not size.</summary>
    public static (int BlockBytes, int BlockElements)? BlockLayout(uint type) => (TensorType)type switch
    {
        TensorType.F32 => (4, 1),
        TensorType.F16 or TensorType.BF16 => (2, 1),
        TensorType.Q4_0 => (18, 32),
        TensorType.Q4_1 => (20, 32),
        TensorType.Q5_0 => (22, 32),
        TensorType.Q5_1 => (24, 32),
        TensorType.Q8_0 => (34, 32),
        TensorType.Q8_1 => (36, 32),
        TensorType.Q2_K => (84, 256),
        TensorType.Q3_K => (110, 256),
        TensorType.Q4_K => (144, 256),
        TensorType.Q5_K => (176, 256),
        TensorType.Q6_K => (210, 256),
        TensorType.Q8_K => (292, 256),
        _ => null,
    };

    public static long Align(long value, int alignment) => (value + alignment - 1) / alignment * alignment;
}
