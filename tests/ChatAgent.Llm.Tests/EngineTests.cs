using ChatAgent.Llm.Chat;
using ChatAgent.Llm.Engine;
using ChatAgent.Llm.Hosting;
using Microsoft.Extensions.AI;

namespace ChatAgent.Llm.Tests;

public class EngineTests
{
    private static readonly ChatOptions Greedy = new() { Temperature = 0, MaxOutputTokens = 24 };

    private static List<ChatMessage> Conversation(params string[] turns)
    {
        var list = new List<ChatMessage> { new(ChatRole.System, "You are the assistant of an online shop. Be brief and polite. Never reveal another customer's data.") };
        for (var i = 0; i < turns.Length; i++) list.Add(new ChatMessage(i % 2 == 0 ? ChatRole.User : ChatRole.Assistant, turns[i]));
        return list;
    }

    [Fact]
    public async Task A_second_turn_processes_only_the_tokens_added_since_the_first()
    {
        using var model = LocalModel.Load(TestModels.Options());
        var client = model.ChatClient;
        var first = await client.GetResponseAsync(Conversation("Where is my order 1001?"), Greedy, TestContext.Current.CancellationToken);
        var before = model.Counters;
        var second = await client.GetResponseAsync(Conversation("Where is my order 1001?", first.Text, "And when will it arrive?"), Greedy, TestContext.Current.CancellationToken);
        var after = model.Counters;

        var processed = after.PromptTokensProcessed - before.PromptTokensProcessed;
        Assert.True(second.Usage!.CachedInputTokenCount >= first.Usage!.InputTokenCount,
            $"cached {second.Usage.CachedInputTokenCount} < first prompt {first.Usage.InputTokenCount}");
        Assert.Equal(second.Usage.InputTokenCount - second.Usage.CachedInputTokenCount, processed);
        Assert.True(processed < second.Usage.InputTokenCount / 2, $"processed {processed} of {second.Usage.InputTokenCount}");
    }

    [Fact]
    public async Task After_history_is_edited_the_rebuilt_cache_gives_the_same_greedy_output_as_a_cold_start()
    {
        using var warm = LocalModel.Load(TestModels.Options());
        var ct = TestContext.Current.CancellationToken;
        var t1 = await warm.ChatClient.GetResponseAsync(Conversation("I want to return the blue shoes."), Greedy, ct);
        await warm.ChatClient.GetResponseAsync(Conversation("I want to return the blue shoes.", t1.Text, "Order 55, please."), Greedy, ct);
        // The customer's first message is edited: everything after the system prompt must be recomputed.
        var edited = Conversation("I want to exchange the red hat.");
        var rebuilt = await warm.ChatClient.GetResponseAsync(edited, Greedy, ct);
        Assert.True(rebuilt.Usage!.CachedInputTokenCount < rebuilt.Usage.InputTokenCount);

        using var cold = LocalModel.Load(TestModels.Options());
        var expected = await cold.ChatClient.GetResponseAsync(edited, Greedy, ct);
        Assert.Equal(0, expected.Usage!.CachedInputTokenCount);
        Assert.Equal(expected.Text, rebuilt.Text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task With_its_conversation_id_an_edited_conversation_reuses_its_own_cache_instead_of_starting_a_second_copy(bool hinted)
    {
        // The orchestrator changes the system prompt between turns (it adds the policy passages relevant to the new
        // message), so the cached tokens are no longer a prefix of the next prompt.
        using var model = LocalModel.Load(TestModels.Options());
        var ct = TestContext.Current.CancellationToken;
        ChatOptions Options() => hinted
            ? new ChatOptions { Temperature = 0, MaxOutputTokens = 24, AdditionalProperties = new() { [LlamaChatClient.ConversationIdKey] = "conv-1" } }
            : Greedy;
        List<ChatMessage> Turn(string passage, params string[] turns)
        {
            var list = Conversation(turns);
            list[0] = new ChatMessage(ChatRole.System, list[0].Text + " Policy: " + passage);
            return list;
        }

        var first = await model.ChatClient.GetResponseAsync(Turn("returns within 30 days.", "Can I return shoes?"), Options(), ct);
        Assert.Equal(1, model.Counters.CachedSequences);
        var second = await model.ChatClient.GetResponseAsync(Turn("refunds take 5 days.", "Can I return shoes?", first.Text, "And the refund?"), Options(), ct);

        // Both reuse the common prefix (the fixed part of the system prompt) ...
        Assert.True(second.Usage!.CachedInputTokenCount > 20, $"cached {second.Usage.CachedInputTokenCount}");
        // ... but only the hinted request does it in place; otherwise the stale copy stays until LRU eviction.
        Assert.Equal(hinted ? 1 : 2, model.Counters.CachedSequences);
        Assert.Equal(0, model.Counters.Evictions);
    }

    [Fact]
    public async Task An_evicted_conversation_re_prefills_transparently()
    {
        var options = TestModels.Options();
        options.CacheTokens = 1; // keep no idle cache at all: every finished conversation is evicted
        using var model = LocalModel.Load(options);
        var ct = TestContext.Current.CancellationToken;
        var a1 = await model.ChatClient.GetResponseAsync(Conversation("Track order 1."), Greedy, ct);
        await model.ChatClient.GetResponseAsync(Conversation("Something else entirely."), Greedy, ct);
        var history = Conversation("Track order 1.", a1.Text, "Thanks, and order 2?");
        var a2 = await model.ChatClient.GetResponseAsync(history, Greedy, ct);
        Assert.True(model.Counters.Evictions >= 2);
        Assert.Equal(0, a2.Usage!.CachedInputTokenCount);

        using var cold = LocalModel.Load(TestModels.Options());
        Assert.Equal((await cold.ChatClient.GetResponseAsync(history, Greedy, ct)).Text, a2.Text);
    }

    [Fact]
    public async Task The_shared_system_prompt_is_evaluated_once_and_reused_by_other_conversations()
    {
        using var model = LocalModel.Load(TestModels.Options());
        var ct = TestContext.Current.CancellationToken;
        await model.ChatClient.GetResponseAsync(Conversation("Track order 1."), Greedy, ct);
        var other = await model.ChatClient.GetResponseAsync(Conversation("Cancel order 2."), Greedy, ct);
        Assert.True(model.Counters.SharedPrefixTokens > 20 || other.Usage!.CachedInputTokenCount > 20,
            $"shared {model.Counters.SharedPrefixTokens}, cached {other.Usage!.CachedInputTokenCount}");
    }

    [Fact]
    public async Task Conversations_decoded_together_give_exactly_their_one_at_a_time_greedy_outputs()
    {
        var prompts = new[] { "Where is order 7?", "Do you sell red scarves in size M?", "I need a human.", "Refund my gift card please, it is broken." };
        var ct = TestContext.Current.CancellationToken;
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 32 };

        using var sequential = LocalModel.Load(TestModels.Options());
        var alone = new List<string>();
        foreach (var p in prompts) alone.Add((await sequential.ChatClient.GetResponseAsync(Conversation(p), options, ct)).Text);

        using var batched = LocalModel.Load(TestModels.Options(maxConcurrent: 4));
        var together = await Task.WhenAll(prompts.Select(p => batched.ChatClient.GetResponseAsync(Conversation(p), options, ct)));

        Assert.Equal(alone, together.Select(r => r.Text));
    }

    private static GenerationRequest Long(LocalModel model) => new()
    {
        Prompt = model.Engine.Tokenize("<|im_start|>user\nwrite<|im_end|>\n<|im_start|>assistant\n"),
        Sampling = new SamplingSettings(0, 1, 0, 0, 1),
        // Letters only, and many of them: the request cannot end early.
        Grammar = "root ::= [a-z]{1500} [a-z]{1500}",
        MaxTokens = 4000,
    };

    [Fact]
    public async Task A_full_queue_answers_busy_and_cancellation_frees_the_slot()
    {
        using var model = LocalModel.Load(TestModels.Options(maxConcurrent: 1, queue: 1));
        using var cts1 = new CancellationTokenSource();
        using var cts2 = new CancellationTokenSource();
        var running = model.Engine.Submit(Long(model), cts1.Token);
        var waiting = model.Engine.Submit(Long(model), cts2.Token);

        var busy = Assert.Throws<ModelBusyException>(() => model.Engine.Submit(Long(model)));
        Assert.Contains("busy", busy.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, model.Counters.BusyRejections);

        // Cancelling the waiting request frees its queue place at once.
        await cts2.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.Completion);
        using var cts3 = new CancellationTokenSource();
        var third = model.Engine.Submit(Long(model), cts3.Token);

        // Cancelling the running one frees its decoding slot: the queued request starts generating.
        await cts1.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.Completion);
        Assert.True(await third.Pieces.WaitToReadAsync(TestContext.Current.CancellationToken));
        await cts3.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => third.Completion);
        Assert.Equal(0, model.Counters.ActiveSequences);
    }

    [Fact]
    public async Task Streaming_yields_text_as_generated_and_cancellation_stops_it_promptly()
    {
        var client = TestModels.SharedModel.ChatClient;
        using var cts = new CancellationTokenSource();
        var pieces = 0;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var u in client.GetStreamingResponseAsync(Conversation("Tell me a long story."),
                new ChatOptions { Temperature = 1, Seed = 3, MaxOutputTokens = 100_000, AdditionalProperties = new() { ["min_p"] = 0f } }, cts.Token))
            {
                if (u.Text.Length > 0 && ++pieces == 5) await cts.CancelAsync();
            }
        });
        Assert.True(pieces >= 5);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_stop_sequence_ends_the_answer_before_it()
    {
        var client = TestModels.SharedModel.ChatClient;
        var ct = TestContext.Current.CancellationToken;
        var free = await client.GetResponseAsync(Conversation("Say something."), new ChatOptions { Temperature = 0, MaxOutputTokens = 40 }, ct);
        Assert.True(free.Text.Length > 8, free.Text);
        var stop = free.Text.Substring(5, 3);
        var cut = free.Text.IndexOf(stop, StringComparison.Ordinal);
        var stopped = await client.GetResponseAsync(Conversation("Say something."), new ChatOptions { Temperature = 0, MaxOutputTokens = 40, StopSequences = [stop] }, ct);
        Assert.Equal(free.Text[..cut], stopped.Text);
    }

    [Fact]
    public async Task Max_output_tokens_caps_the_answer()
    {
        var response = await TestModels.SharedModel.ChatClient.GetResponseAsync(Conversation("Hi"),
            new ChatOptions { Temperature = 1, Seed = 9, MaxOutputTokens = 5, AdditionalProperties = new() { ["min_p"] = 0f } }, TestContext.Current.CancellationToken);
        Assert.InRange(response.Usage!.OutputTokenCount!.Value, 1, 5);
    }
}
