using ChatAgent.Llm.Engine;
using LLama.Common;
using LLama.Native;
using LLama.Sampling;
using Microsoft.Extensions.AI;

namespace ChatAgent.Llm.Tests;

public class SamplingTests
{
    [Fact]
    public void ArgMax_and_top_k_agree_with_a_plain_sort_on_vocabulary_sized_logits()
    {
        var rng = new Random(5);
        foreach (var size in new[] { 1, 7, 40, 1000, 151_936 })
        {
            var logits = Enumerable.Range(0, size).Select(_ => (float)(rng.NextDouble() * 20 - 10)).ToArray();
            logits[size / 2] = logits.Max(); // a tie: the lower id wins, as in llama.cpp's greedy sampler
            Assert.Equal(Array.IndexOf(logits, logits.Max()), TokenSamplers.ArgMax(logits));

            var ids = new int[40];
            var values = new float[40];
            var n = TopKSampler.TopK(logits, ids, values);
            var expected = logits.Select((v, i) => (v, i)).OrderByDescending(x => x.v).ThenBy(x => x.i).Take(40).ToArray();
            Assert.Equal(expected.Length, n);
            Assert.Equal(expected.Select(x => x.i), ids.Take(n));
            Assert.Equal(expected.Select(x => x.v), values.Take(n));
        }
    }

    [Fact]
    public void Managed_samplers_pick_what_llama_cpp_picks_on_real_logits()
    {
        var model = TestModels.SharedModel;
        var prompt = model.Engine.Tokenize("<|im_start|>user\nWhere is my order?<|im_end|>\n<|im_start|>assistant\n");
        var (native, managed, topOne) = LlamaThread.Invoke(() =>
        {
            using var context = model.Engine.Weights.CreateContext(new ModelParams(TestModels.Tiny) { ContextSize = 256, Threads = 1, BatchThreads = 1 });
            var batch = new LLamaBatch();
            for (var i = 0; i < prompt.Length; i++) batch.Add(prompt[i], i, LLamaSeqId.Zero, true);
            Assert.Equal(DecodeResult.Ok, context.NativeHandle.Decode(batch));
            using var nativeGreedy = new GreedySamplingPipeline();
            using var greedy = new GreedySampler();
            using var topK1 = new TopKSampler(new SamplingSettings(1, 1, 1, 0, 3));
            var positions = Enumerable.Range(0, prompt.Length).ToList();
            return (positions.Select(p => (int)nativeGreedy.Sample(context.NativeHandle, p)).ToList(),
                    positions.Select(p => (int)greedy.Sample(context.NativeHandle, p)).ToList(),
                    positions.Select(p => (int)topK1.Sample(context.NativeHandle, p)).ToList());
        });
        Assert.Equal(native, managed);
        Assert.Equal(native, topOne); // top-k 1 leaves only the best token to draw
    }

    [Fact]
    public async Task A_seed_gives_the_same_sampled_answer_and_another_seed_another_one()
    {
        var client = TestModels.SharedModel.ChatClient;
        var ct = TestContext.Current.CancellationToken;
        List<ChatMessage> messages = [new(ChatRole.User, "Tell me about your shoes.")];
        ChatOptions Options(int seed) => new() { Temperature = 1.5f, TopK = 40, TopP = 1, Seed = seed, MaxOutputTokens = 24, AdditionalProperties = new() { ["min_p"] = 0f } };
        var a = await client.GetResponseAsync(messages, Options(1), ct);
        var b = await client.GetResponseAsync(messages, Options(1), ct);
        var others = await Task.WhenAll(Enumerable.Range(2, 3).Select(s => client.GetResponseAsync(messages, Options(s), ct)));
        Assert.Equal(a.Text, b.Text);
        Assert.Contains(others, o => o.Text != a.Text);
    }
}
