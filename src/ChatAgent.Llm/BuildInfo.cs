namespace ChatAgent.Llm;

/// <summary>How this build was compiled.</summary>
public static class BuildInfo
{
    /// <summary>The LLamaSharp backend package this build restored (<c>-p:LlamaBackend=Cpu|Cuda12</c>).</summary>
    public const string Backend =
#if LLAMA_BACKEND_CUDA12
        "Cuda12";
#else
        "Cpu";
#endif
}
