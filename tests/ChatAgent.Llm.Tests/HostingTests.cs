using Microsoft.SemanticKernel.ChatCompletion;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace ChatAgent.Llm.Tests;

public class HostingTests
{
    private static IHost Build(Dictionary<string, string?> config)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(config);
        builder.Services.AddChatModel(builder.Configuration);
        return builder.Build();
    }

    [Fact]
    public async Task Without_a_model_no_chat_client_is_registered_and_health_says_none()
    {
        using var host = Build([]);
        await host.StartAsync(TestContext.Current.CancellationToken);
        Assert.Null(host.Services.GetService<IChatClient>());
        Assert.Equal(ChatModelMode.None, host.Services.GetRequiredService<IChatModelInfo>().Mode);
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(TestContext.Current.CancellationToken);
        Assert.Equal("none", report.Entries["model"].Data["mode"]);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_local_model_is_served_as_a_chat_client_and_reported_in_health()
    {
        using var host = Build(new()
        {
            ["Model:Path"] = TestModels.Tiny, ["Model:Threads"] = "1", ["Model:ContextSize"] = "2048", ["Model:MaxConcurrent"] = "2",
        });
        await host.StartAsync(TestContext.Current.CancellationToken);
        var client = host.Services.GetRequiredService<IChatClient>();
        var response = await client.GetResponseAsync("hello", new ChatOptions { MaxOutputTokens = 4, Temperature = 0 }, TestContext.Current.CancellationToken);
        Assert.True(response.Usage!.OutputTokenCount > 0);
        Assert.Equal(ChatModelMode.Local, host.Services.GetRequiredService<IChatModelInfo>().Mode);
        var data = (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(TestContext.Current.CancellationToken)).Entries["model"].Data;
        Assert.Equal("local", data["mode"]);
        Assert.Equal("llama", data["architecture"]);
        Assert.Equal(2048, data["contextSize"]);
        Assert.Equal("Cpu", data["backend"]);
        Assert.StartsWith("cpu", (string)data["nativeLibrary"]);
        Assert.True((long)data["promptTokensProcessed"] > 0);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task An_openai_compatible_endpoint_is_used_through_semantic_kernels_connector()
    {
        string? seenModel = null;
        string? seenAuth = null;
        var web = WebApplication.CreateSlimBuilder();
        web.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = web.Build();
        app.MapPost("/v1/chat/completions", async (HttpContext ctx) =>
        {
            using var body = await JsonDocument.ParseAsync(ctx.Request.Body);
            seenModel = body.RootElement.GetProperty("model").GetString();
            seenAuth = ctx.Request.Headers.Authorization;
            return Results.Text("""
                {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"shop-model",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Your order has shipped."},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17}}
                """, "application/json");
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        using var host = Build(new() { ["Model:Endpoint"] = address + "/v1", ["Model:ApiKey"] = "secret-key", ["Model:Name"] = "shop-model" });
        await host.StartAsync(TestContext.Current.CancellationToken);
        var client = host.Services.GetRequiredService<IChatClient>();
        var response = await client.GetResponseAsync("Where is my order?", cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("Your order has shipped.", response.Text);
        Assert.Equal("shop-model", seenModel);
        Assert.Equal("Bearer secret-key", seenAuth);
        Assert.Equal(5, response.Usage!.OutputTokenCount);
        Assert.Equal(ChatModelMode.Endpoint, host.Services.GetRequiredService<IChatModelInfo>().Mode);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Tool_calls_from_an_endpoint_invoke_kernel_functions()
    {
        var requests = 0;
        var web = WebApplication.CreateSlimBuilder();
        web.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = web.Build();
        app.MapPost("/v1/chat/completions", async (HttpContext ctx) =>
        {
            using var body = await JsonDocument.ParseAsync(ctx.Request.Body);
            var hasResult = body.RootElement.GetProperty("messages").EnumerateArray().Any(m => m.GetProperty("role").GetString() == "tool");
            Interlocked.Increment(ref requests);
            return Results.Text(hasResult
                ? """{"id":"c2","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"It has shipped."},"finish_reason":"stop"}]}"""
                : """{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"orders_get_status","arguments":"{\"orderId\":\"42\"}"}}]},"finish_reason":"tool_calls"}]}""",
                "application/json");
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        using var host = Build(new() { ["Model:Endpoint"] = address + "/v1", ["Model:Name"] = "m" });
        await host.StartAsync(TestContext.Current.CancellationToken);
        var plugin = new SemanticKernelTests.OrdersPlugin();
        var kernel = new Microsoft.SemanticKernel.Kernel(host.Services);
        Microsoft.SemanticKernel.KernelExtensions.ImportPluginFromObject(kernel, plugin, "orders");
        var chat = Microsoft.SemanticKernel.ChatCompletion.ChatClientExtensions.AsChatCompletionService(host.Services.GetRequiredService<IChatClient>());
        var history = new Microsoft.SemanticKernel.ChatCompletion.ChatHistory();
        history.AddUserMessage("Where is order 42?");
        var reply = await chat.GetChatMessageContentAsync(history,
            new Microsoft.SemanticKernel.PromptExecutionSettings { FunctionChoiceBehavior = Microsoft.SemanticKernel.FunctionChoiceBehavior.Auto() }, kernel, TestContext.Current.CancellationToken);
        Assert.Equal(1, plugin.Calls);
        Assert.Equal("It has shipped.", reply.Content);
        Assert.Equal(2, requests);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Setting_both_a_path_and_an_endpoint_fails_at_start_up()
    {
        using var host = Build(new() { ["Model:Path"] = TestModels.Tiny, ["Model:Endpoint"] = "http://127.0.0.1:1/v1" });
        var e = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains("both set", e.Message);
    }
}
