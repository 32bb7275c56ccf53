using ChatAgent.Llm.Hosting;
using Microsoft.Extensions.AI;

namespace ChatAgent.Llm.Tests;

public class GenerationTests
{
    [Fact]
    public async Task A_generated_tiny_model_loads_and_generates_text_with_usage()
    {
        var model = TestModels.SharedModel;
        var response = await model.ChatClient.GetResponseAsync(
            [new ChatMessage(ChatRole.System, "You are a shop assistant."), new ChatMessage(ChatRole.User, "Where is my order?")],
            new ChatOptions { MaxOutputTokens = 16, Temperature = 0 });
        Assert.NotNull(response.Usage);
        Assert.True(response.Usage!.InputTokenCount > 10);
        Assert.InRange(response.Usage.OutputTokenCount!.Value, 1, 16);
        Assert.Equal("llama", model.Info.Architecture);
        var meta = model.ChatClient.GetService<ChatClientMetadata>();
        Assert.NotNull(meta);
        Assert.Equal("llamasharp", meta!.ProviderName);
    }
}
