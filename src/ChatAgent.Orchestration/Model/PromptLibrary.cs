using Microsoft.SemanticKernel;

namespace ChatAgent.Orchestration.Model;

/// <summary>
/// Prompt-template files under <c>prompts/</c> (Semantic Kernel's <c>{{$variable}}</c> syntax), read on every use so
/// an edit takes effect on the next message without a rebuild or restart.
/// </summary>
public sealed class PromptLibrary(string folder)
{
    public const string SystemPromptFile = "system.txt";
    public const string HandoffMessageFile = "handoff-message.txt";
    private readonly KernelPromptTemplateFactory _factory = new();

    public string Folder { get; } = folder;

    public async Task<string> RenderAsync(string file, KernelArguments arguments, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Folder, file);
        var text = await File.ReadAllTextAsync(path, cancellationToken);
        var template = _factory.Create(new PromptTemplateConfig(text) { AllowDangerouslySetContent = true });
        return (await template.RenderAsync(new Kernel(), arguments, cancellationToken)).Trim();
    }
}
