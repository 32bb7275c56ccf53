using System.ComponentModel;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace ChatAgent.Llm.Tests;

public class SemanticKernelTests
{
    public sealed class OrdersPlugin
    {
        public int Calls;
        public int ToolRounds;

        [KernelFunction("get_status"), Description("Gets the status of an order")]
        public string GetStatus([Description("The order number")] string orderId)
        {
            Interlocked.Increment(ref Calls);
            return $"Order {orderId} has shipped.";
        }
    }

    private static (Kernel Kernel, IChatCompletionService Chat, OrdersPlugin Plugin) Build(int maxRounds, float callBias = 0)
    {
        var plugin = new OrdersPlugin();
        var builder = Kernel.CreateBuilder();
        builder.Plugins.AddFromObject(plugin, "orders");
        var kernel = builder.Build();
        var client = new ChatClientBuilder(TestModels.SharedModel.ChatClient)
            .UseKernelFunctionInvocation()
            .ConfigureOptions(o =>
            {
                if (o.Tools is { Count: > 0 } && o.ToolMode is not NoneChatToolMode) Interlocked.Increment(ref plugin.ToolRounds);
                if (callBias == 0) return;
                // Random weights rarely open a call on their own; a logit bias towards '<' (the byte token that opens
                // <tool_call>) makes the model choose calls while the grammar still allows plain text.
                o.AdditionalProperties ??= [];
                o.AdditionalProperties["logit_bias"] = new Dictionary<int, float> { [3 + '<'] = callBias };
            })
            .Build();
        client.GetService<FunctionInvokingChatClient>()!.MaximumIterationsPerRequest = maxRounds;
        return (kernel, client.AsChatCompletionService(), plugin);
    }

    private static ChatHistory History()
    {
        var h = new ChatHistory("You are a shop assistant. Use the tools.");
        h.AddUserMessage("What is the status of order 1234?");
        return h;
    }

    [Fact]
    public async Task Auto_invokes_a_real_kernel_function_and_the_loop_ends_within_the_maximum_rounds()
    {
        const int maxRounds = 3;
        var invokedOnce = false;
        for (var seed = 1; seed <= 6 && !invokedOnce; seed++)
        {
            var (kernel, chat, plugin) = Build(maxRounds, callBias: 6);
            var settings = new PromptExecutionSettings
            {
                FunctionChoiceBehavior = FunctionChoiceBehavior.Auto(),
                ExtensionData = new Dictionary<string, object>
                {
                    ["temperature"] = 1.0, ["seed"] = seed, ["max_tokens"] = 600,
                },
            };
            var reply = await chat.GetChatMessageContentAsync(History(), settings, kernel, TestContext.Current.CancellationToken);
            Assert.NotNull(reply);
            // Each round may carry several calls; the number of model requests offering tools is what is capped.
            Assert.InRange(plugin.ToolRounds, 1, maxRounds);
            invokedOnce = plugin.Calls > 0;
        }
        Assert.True(invokedOnce, "No seed made the model call the function under Auto.");
    }

    [Fact]
    public async Task Required_forces_the_named_function()
    {
        var (kernel, chat, plugin) = Build(maxRounds: 2);
        var function = kernel.Plugins.GetFunction("orders", "get_status");
        var settings = new PromptExecutionSettings
        {
            FunctionChoiceBehavior = FunctionChoiceBehavior.Required([function]),
            ExtensionData = new Dictionary<string, object> { ["temperature"] = 0.0, ["max_tokens"] = 120 },
        };
        var reply = await chat.GetChatMessageContentAsync(History(), settings, kernel, TestContext.Current.CancellationToken);
        Assert.NotNull(reply);
        Assert.True(plugin.Calls >= 1);
        Assert.InRange(plugin.ToolRounds, 1, 2);
    }

    [Fact]
    public async Task None_never_calls_a_function()
    {
        for (var seed = 1; seed <= 4; seed++)
        {
            var (kernel, chat, plugin) = Build(maxRounds: 3);
            var settings = new PromptExecutionSettings
            {
                FunctionChoiceBehavior = FunctionChoiceBehavior.None(),
                ExtensionData = new Dictionary<string, object> { ["temperature"] = 1.0, ["seed"] = seed, ["max_tokens"] = 40 },
            };
            var reply = await chat.GetChatMessageContentAsync(History(), settings, kernel, TestContext.Current.CancellationToken);
            Assert.Equal(0, plugin.Calls);
            Assert.DoesNotContain(reply.Items, i => i is Microsoft.SemanticKernel.FunctionCallContent);
        }
    }
}
