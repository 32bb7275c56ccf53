using System.Text.Json;
using ChatAgent.Llm.Hosting;
using Microsoft.Extensions.AI;

namespace ChatAgent.Llm.Tests;

public class ToolCallGrammarTests
{
    private static readonly AIFunctionDeclaration OrderStatus = AIFunctionFactory.CreateDeclaration("orders_get_status", "Look up an order",
        JsonDocument.Parse("""
        {"type":"object","properties":{
          "order_id":{"type":"string","minLength":3,"maxLength":12},
          "channel":{"type":"string","enum":["web","phone","store"]},
          "include_items":{"type":"boolean"},
          "quantity":{"type":"integer"}},
         "required":["order_id","channel"]}
        """).RootElement);

    private static readonly AIFunctionDeclaration Search = AIFunctionFactory.CreateDeclaration("products_search", "Search products",
        JsonDocument.Parse("""
        {"type":"object","properties":{
          "query":{"type":"string","maxLength":20},
          "max_price":{"type":"number"},
          "tags":{"type":"array","items":{"type":"string","maxLength":8},"maxItems":3}},
         "required":["query"]}
        """).RootElement);

    private static readonly AIFunctionDeclaration[] Tools = [OrderStatus, Search];

    [Theory]
    [InlineData("")] // ChatML from the GGUF: Hermes <tool_call>
    [InlineData("llama3")]
    [InlineData("mistral")]
    [InlineData("gemma")] // generic format
    public async Task Every_grammar_constrained_tool_call_over_many_seeds_parses_and_matches_its_schema(string template)
    {
        var options = TestModels.Options();
        options.ChatTemplate = template;
        using var model = template.Length == 0 ? null : LocalModel.Load(options);
        var client = (model ?? TestModels.SharedModel).ChatClient;
        var seeds = template.Length == 0 ? 30 : 10;
        var calls = 0;
        for (uint seed = 1; seed <= seeds; seed++)
        {
            var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Where is order 12345?")],
                new ChatOptions { Tools = [.. Tools], ToolMode = ChatToolMode.RequireAny, Temperature = 1.0f, TopK = 0, TopP = 1, Seed = seed, MaxOutputTokens = 600 },
                TestContext.Current.CancellationToken);
            var found = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
            Assert.True(found.Count > 0, $"seed {seed}: no tool call parsed from: {response.Text}");
            foreach (var call in found)
            {
                AssertMatchesSchema(call);
                calls++;
            }
        }
        Assert.True(calls >= seeds);
    }

    [Fact]
    public async Task Required_with_a_named_function_only_ever_calls_that_function()
    {
        var client = TestModels.SharedModel.ChatClient;
        for (uint seed = 1; seed <= 8; seed++)
        {
            var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "find shoes")],
                new ChatOptions { Tools = [.. Tools], ToolMode = ChatToolMode.RequireSpecific("products_search"), Temperature = 1, Seed = seed, MaxOutputTokens = 600 },
                TestContext.Current.CancellationToken);
            var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
            Assert.NotEmpty(calls);
            Assert.All(calls, c => Assert.Equal("products_search", c.Name));
        }
    }

    [Fact]
    public async Task Tool_mode_none_never_returns_a_tool_call()
    {
        var client = TestModels.SharedModel.ChatClient;
        for (uint seed = 1; seed <= 6; seed++)
        {
            var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hello")],
                new ChatOptions { Tools = [.. Tools], ToolMode = ChatToolMode.None, Temperature = 1, Seed = seed, MaxOutputTokens = 40 },
                TestContext.Current.CancellationToken);
            Assert.Empty(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        }
    }

    [Fact]
    public async Task Streaming_returns_a_tool_call_once_complete()
    {
        var client = TestModels.SharedModel.ChatClient;
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Where is order 12345?")],
            new ChatOptions { Tools = [.. Tools], ToolMode = ChatToolMode.RequireAny, Temperature = 1, Seed = 7, MaxOutputTokens = 600 },
            TestContext.Current.CancellationToken))
            updates.Add(u);
        var calls = updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>().ToList();
        Assert.NotEmpty(calls);
        Assert.All(calls, AssertMatchesSchema);
        Assert.DoesNotContain(updates.SelectMany(u => u.Contents).OfType<TextContent>(), t => t.Text.Contains("tool_call", StringComparison.Ordinal));
        Assert.Contains(updates, u => u.Contents.OfType<UsageContent>().Any());
    }

    private static void AssertMatchesSchema(FunctionCallContent call)
    {
        var args = call.Arguments!;
        if (call.Name == "orders_get_status")
        {
            var id = Assert.IsType<JsonElement>(args["order_id"]);
            Assert.Equal(JsonValueKind.String, id.ValueKind);
            Assert.InRange(id.GetString()!.Length, 3, 12);
            var channel = Assert.IsType<JsonElement>(args["channel"]);
            Assert.Contains(channel.GetString(), new[] { "web", "phone", "store" });
            if (args.TryGetValue("include_items", out var inc))
                Assert.True(((JsonElement)inc!).ValueKind is JsonValueKind.True or JsonValueKind.False);
            if (args.TryGetValue("quantity", out var q))
                Assert.True(((JsonElement)q!).TryGetInt64(out _));
            Assert.All(args.Keys, k => Assert.Contains(k, new[] { "order_id", "channel", "include_items", "quantity" }));
        }
        else
        {
            Assert.Equal("products_search", call.Name);
            var query = Assert.IsType<JsonElement>(args["query"]);
            Assert.True(query.GetString()!.Length <= 20);
            if (args.TryGetValue("max_price", out var p))
                Assert.Equal(JsonValueKind.Number, ((JsonElement)p!).ValueKind);
            if (args.TryGetValue("tags", out var t))
            {
                var tags = (JsonElement)t!;
                Assert.InRange(tags.GetArrayLength(), 0, 3);
                Assert.All(tags.EnumerateArray(), e => Assert.True(e.GetString()!.Length <= 8));
            }
            Assert.All(args.Keys, k => Assert.Contains(k, new[] { "query", "max_price", "tags" }));
        }
    }
}
