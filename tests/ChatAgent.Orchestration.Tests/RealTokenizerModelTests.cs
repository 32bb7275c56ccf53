using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Llm.Gguf;
using ChatAgent.Llm.Hosting;
using ChatAgent.Orchestration.Model;
using ChatAgent.Orchestration.State;
using ChatAgent.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatAgent.Orchestration.Tests;

/// <summary>A tiny random-weight body with Qwen3's real tokenizer and chat template, written once for the class.</summary>
public sealed class Qwen3TokenizerModel : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chatagent-orch-qwen3-").FullName;
    private readonly Lazy<string> _path;

    public Qwen3TokenizerModel()
    {
        _path = new(() =>
        {
            var path = System.IO.Path.Combine(_dir, "tiny-qwen3.gguf");
            TestModelFactory.Create(path, TestModelPreset.Tiny, tokenizer: HuggingFaceTokenizer.Load(RealTokenizers.Qwen3));
            return path;
        });
    }

    /// <summary>The model file (skips the test when the tokenizer packages are not installed).</summary>
    public string Path => _path.Value;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
            // The model file may still be mapped on some platforms; the OS cleans temp folders.
        }
    }
}

/// <summary>
/// Model turns through the real host on a generated GGUF that tokenizes as Qwen3 does: the prompt budget with every
/// plugin enabled, the context derived by default, start-up refusal of a context too small for the tools, history
/// trimmed instead of overflowing, and the conversation's KV cache reused from turn to turn.
/// </summary>
public sealed class RealTokenizerModelTests(Qwen3TokenizerModel model) : IClassFixture<Qwen3TokenizerModel>
{
    private static readonly string[] AllPlugins = ["orders", "products", "recommendations", "store_hours"];

    private Task<ChatAgentTestHost> StartHostAsync(params (string Key, string? Value)[] settings) => ChatAgentTestHost.StartAsync(TestSettings.Base(
        [
            ("Model:Path", model.Path),
            ("Model:Temperature", "0"),
            ("Model:Threads", "2"),
            // One token answers: a turn is one request whose prompt the engine counts exactly.
            ("Model:MaxOutputTokens", "1"),
            // /metrics is closed by default; the test scrapes it from loopback.
            ("Metrics:AllowedNetworks:0", "127.0.0.0/8"),
            .. AllPlugins.Select((p, i) => ($"Plugins:Enabled:{i}", (string?)p)),
            .. settings,
        ]));

    private static void Print(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    [Fact]
    public async Task The_first_turn_prompt_with_every_plugin_enabled_stays_within_1500_real_tokens_and_is_measured_per_part()
    {
        await using var host = await StartHostAsync();
        var engine = host.Services.GetRequiredService<LocalModel>();
        var runner = host.Services.GetRequiredService<ModelTurnRunner>();
        string[] messages =
        [
            "Hi! Where is my order #W2378156? My email is yusuf.rossi@example.com",
            "I want to cancel my order, I ordered it by mistake",
            "I'd like to return the hiking boots I got last week and exchange the jacket for a bigger size",
            "do you have wireless earbuds under $50?",
            "what's your return policy for opened items?",
            "hello",
        ];
        var offered = new Dictionary<string, string[]>();
        foreach (var message in messages)
        {
            await using var chat = await Chat.StartAsync(host);
            var before = engine.Counters;
            var answer = await chat.AskAsync(message, TimeSpan.FromMinutes(2));
            var after = engine.Counters;
            var prompt = (after.PromptTokensProcessed - before.PromptTokensProcessed) + (after.CachedTokensReused - before.CachedTokensReused);
            var parts = runner.LastPrompt!;
            var state = (JsonObject)answer.ChannelData![TranscriptEvents.StateKey]!;
            offered[message] = [.. state["offered"]!.AsArray().Select(n => n!.GetValue<string>())];
            Print($"{prompt,5} tokens (engine) | parts: system {parts.System}, tools {parts.Tools} ({parts.ToolCount} tools), knowledge {parts.Knowledge}, history {parts.History} = {parts.Total} | {message}");
            Assert.True(parts.Exact, "counted with the model's tokenizer");
            Assert.InRange(prompt, 100, 1500);
            // The parts leave out only the chat template's few role markers.
            Assert.InRange(prompt - parts.Total, 0, 60);
        }

        Assert.Contains("orders_cancel_pending_order", offered[messages[1]]);
        Assert.DoesNotContain("products_search_products", offered[messages[1]]);
        Assert.Contains("orders_return_delivered_order_items", offered[messages[2]]);
        Assert.Contains("products_search_products", offered[messages[3]]);
        Assert.DoesNotContain(offered[messages[3]], t => t.StartsWith("orders_", StringComparison.Ordinal));
        // A policy question and a greeting need no shop tools; a shop's own plugin (store_hours here) is always offered.
        Assert.DoesNotContain(offered[messages[5]], t => t.StartsWith("orders_", StringComparison.Ordinal) || t.StartsWith("products_", StringComparison.Ordinal));
        Assert.Contains("store_hours_get_store_hours", offered[messages[5]]);

        var metrics = await host.Http.GetStringAsync("/metrics");
        Assert.Contains("chatagent_model_prompt_tokens", metrics);
        Assert.Contains("part=\"tools\"", metrics);
        Assert.Contains("part=\"knowledge\"", metrics);
    }

    [Fact]
    public async Task ContextSize_0_is_derived_from_the_trained_context_the_concurrency_and_the_prompt_budget_and_reported_in_health()
    {
        await using var host = await StartHostAsync(("Model:MaxConcurrent", "2"), ("Model:PromptTokens", "2048"), ("Model:CacheTokens", "1024"));
        var data = JsonNode.Parse(await host.Http.GetStringAsync("/health"))!["checks"]!["model"]!["data"]!;
        // 2 × (2048 + 1) + 1024 = 5122, rounded up to 256 cells.
        Assert.Equal(5376, data["contextSize"]!.GetValue<int>());
        Assert.True(data["contextDerived"]!.GetValue<bool>());
        Assert.Equal(8192, data["trainedContext"]!.GetValue<int>());
        Assert.Equal(2048, data["promptTokenLimit"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_context_that_cannot_hold_the_system_prompt_and_tools_stops_the_start_with_one_line_naming_the_keys()
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => StartHostAsync(("Model:PromptTokens", "300")));
        var line = Assert.Single(e.Failures);
        Assert.DoesNotContain('\n', line);
        Assert.Contains("Model:PromptTokens 300", line);
        Assert.Contains("Model:ContextSize", line);
        Assert.Contains("Plugins:Enabled [orders, products, recommendations, store_hours]", line);

        // The same refusal with full JSON schemas: the compact signatures take well under half their tokens.
        var json = await Assert.ThrowsAsync<OptionsValidationException>(() => StartHostAsync(("Model:PromptTokens", "300"), ("Model:ToolSchema", "json")));
        int ToolTokens(string message) => int.Parse(System.Text.RegularExpressions.Regex.Matches(message, @"\((\d+) tokens\)")[1].Groups[1].Value, CultureInfo.InvariantCulture);
        var (compact, full) = (ToolTokens(line), ToolTokens(Assert.Single(json.Failures)));
        Print($"all 22 tools: {compact} tokens as compact signatures, {full} as JSON schemas");
        Assert.True(compact * 2 < full, $"compact {compact}, json {full}");
    }

    [Fact]
    public async Task A_conversation_longer_than_the_prompt_budget_is_trimmed_instead_of_failing()
    {
        // All 22 tools take ~1,900 tokens with the system prompt, so 2,000 is about the smallest prompt this host starts with.
        await using var host = await StartHostAsync(("Model:PromptTokens", "2000"), ("Model:ContextSize", "2560"), ("Model:MaxConcurrent", "1"));
        var engine = host.Services.GetRequiredService<LocalModel>();
        var runner = host.Services.GetRequiredService<ModelTurnRunner>();
        await using var chat = await Chat.StartAsync(host);
        var filler = string.Join(' ', Enumerable.Repeat("The parcel with the blue winter jacket and the spare laces never arrived at my door.", 12));
        var reduced = false;
        for (var turn = 1; turn <= 7; turn++)
        {
            var before = engine.Counters;
            var answer = await chat.AskAsync($"Message {turn}: {filler}", TimeSpan.FromMinutes(2));
            var after = engine.Counters;
            var prompt = (after.PromptTokensProcessed - before.PromptTokensProcessed) + (after.CachedTokensReused - before.CachedTokensReused);
            Print($"turn {turn}: prompt {prompt} tokens (history part {runner.LastPrompt!.History})");
            reduced |= runner.LastPrompt.HistoryReduced;
            var state = (JsonObject)answer.ChannelData![TranscriptEvents.StateKey]!;
            Assert.Equal("model", state["mode"]!.GetValue<string>());
            Assert.InRange(prompt, 1, 2000);
        }
        Assert.True(reduced, "the history was never shortened: the test did not reach the budget");
        var health = JsonNode.Parse(await host.Http.GetStringAsync("/health"))!["checks"]!["model"]!;
        Assert.Equal("Healthy", health["status"]!.GetValue<string>());
        Assert.Equal(0, health["data"]!["failedTurns"]!.GetValue<long>());
    }

    [Fact]
    public async Task The_second_turn_of_a_Direct_Line_conversation_processes_only_its_new_tokens()
    {
        await using var host = await StartHostAsync();
        await using var chat = await Chat.StartAsync(host);
        string[] turns =
        [
            "Hi, where is my order #W2378156?",
            "And my order #W4817420, when will it arrive?",
            "Is #W4817420 shipped already?",
            "What about the tracking number of #W2378156?",
            "Could you check #W2378156 again please?",
            "Thanks, and #W4817420?",
        ];
        long reusedBefore = 0, processedBefore = 0;
        for (var i = 0; i < turns.Length; i++)
        {
            var watch = Stopwatch.StartNew();
            await chat.AskAsync(turns[i], TimeSpan.FromMinutes(2));
            var elapsed = watch.Elapsed;
            var data = JsonNode.Parse(await host.Http.GetStringAsync("/health"))!["checks"]!["model"]!["data"]!;
            var reused = data["cachedTokensReused"]!.GetValue<long>();
            var processed = data["promptTokensProcessed"]!.GetValue<long>();
            Print(string.Create(CultureInfo.InvariantCulture,
                $"turn {i + 1}: {elapsed.TotalMilliseconds:F0} ms to the (one-token) answer, prompt tokens processed {processed - processedBefore}, reused from the cache {reused - reusedBefore}"));
            if (i > 0)
            {
                // Turn 2 on: the system prompt, tools and earlier turns come from the conversation's cache.
                Assert.True(reused - reusedBefore > 300, $"turn {i + 1} reused {reused - reusedBefore} cached tokens");
                Assert.True(processed - processedBefore < reused - reusedBefore, $"turn {i + 1} processed {processed - processedBefore} tokens, reused {reused - reusedBefore}");
            }
            (reusedBefore, processedBefore) = (reused, processed);
        }
    }
}
