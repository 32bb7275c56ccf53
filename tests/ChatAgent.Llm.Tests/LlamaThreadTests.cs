using ChatAgent.Llm.Engine;
using ChatAgent.Llm.Hosting;
using LLama.Native;
using Microsoft.Extensions.AI;

namespace ChatAgent.Llm.Tests;

/// <summary>
/// Exactly one thread of the process calls into llama.cpp (see <see cref="LlamaThread"/>). The tests of this class run
/// one after another, so the process-wide graph counters are theirs while they read them.
/// </summary>
public class LlamaThreadTests
{
    private static readonly ChatOptions Greedy = new() { Temperature = 0, MaxOutputTokens = 12 };

    private static List<ChatMessage> Conversation(string text) =>
        [new(ChatRole.System, "You are the assistant of an online shop."), new(ChatRole.User, text)];

    /// <summary>OS threads of this process whose name is <paramref name="name"/> (threads inherit their creator's name).</summary>
    private static int ThreadsNamed(string name) => Directory.GetDirectories("/proc/self/task")
        .Count(t => File.Exists(Path.Combine(t, "comm")) && ReadComm(t) == name);

    private static string ReadComm(string task)
    {
        try { return File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n'); }
        catch (IOException) { return ""; } // the thread ended meanwhile
    }

    [Fact]
    public async Task Loading_tokenizing_and_concurrent_conversations_from_many_threads_lead_graphs_only_on_the_llama_thread()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "reads thread names from /proc");
        var foreignBefore = LlamaThread.ForeignGraphNodes;
        var ownBefore = LlamaThread.OwnGraphNodes;

        // A named thread of its own loads the model and tokenizes: were any of it a ggml graph, the OpenMP team it would
        // lead would start worker threads named after it, and they would outlive the call.
        LocalModel? model = null;
        using var probeDone = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        Exception? probeError = null;
        var probe = new Thread(() =>
        {
            try
            {
                var options = TestModels.Options();
                options.Threads = 2; // an OpenMP team per graph-leading thread: the llama thread gets one worker
                model = LocalModel.Load(options);
                for (var i = 0; i < 50; i++) model.Engine.Tokenize($"<|im_start|>user\nWhere is order {i}?<|im_end|>\n");
            }
            catch (Exception e) { probeError = e; }
            probeDone.Set();
            release.Wait();
        }) { Name = "probe-thread", IsBackground = true };
        probe.Start();
        probeDone.Wait(TestContext.Current.CancellationToken);
        Assert.Null(probeError);
        using var loaded = model!;

        try
        {
            // Conversations from thread-pool threads, streaming and not, tokenized on those threads.
            var ct = TestContext.Current.CancellationToken;
            var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
            {
                if (i % 2 == 0) return (await loaded.ChatClient.GetResponseAsync(Conversation($"Track order {i}."), Greedy, ct)).Text;
                var text = "";
                await foreach (var u in loaded.ChatClient.GetStreamingResponseAsync(Conversation($"Cancel order {i}."), Greedy, ct)) text += u.Text;
                return text;
            }, ct)));
            Assert.All(answers, a => Assert.NotEmpty(a));

            Assert.True(LlamaThread.OwnGraphNodes > ownBefore, "no graph ran on the llama thread");
            Assert.Equal(foreignBefore, LlamaThread.ForeignGraphNodes);
            // The llama thread led 2-thread graphs, so its OpenMP worker exists and carries its name ...
            Assert.True(ThreadsNamed(LlamaThread.ThreadName) >= 2, $"{ThreadsNamed(LlamaThread.ThreadName)} threads named {LlamaThread.ThreadName}");
            // ... while the thread that loaded the model and tokenized never led one: it is alone with its name.
            Assert.Equal(1, ThreadsNamed("probe-thread"));
        }
        finally
        {
            release.Set();
        }
    }

    [Fact]
    public async Task A_decode_from_a_second_thread_is_refused_and_the_engine_keeps_working()
    {
        using var model = LocalModel.Load(TestModels.Options());
        var ct = TestContext.Current.CancellationToken;
        var first = await model.ChatClient.GetResponseAsync(Conversation("Where is order 7?"), Greedy, ct);

        var batch = new LLamaBatch();
        batch.Add(model.Engine.Tokenize("hello")[0], 0, (LLamaSeqId)(model.Options.MaxConcurrent + model.Options.CachedConversations - 1), true);

        // Through the engine: the managed guard throws before anything native runs.
        var wrong = Assert.Throws<LlamaThreadException>(() => model.Engine.Decode(batch));
        Assert.Contains(LlamaThread.ThreadName, wrong.Message, StringComparison.Ordinal);

        // Around the engine, straight into llama_decode on its context (the engine is idle): the graph's abort callback
        // sees a foreign leader and aborts it.
        var foreignBefore = LlamaThread.ForeignGraphNodes;
        var result = model.Engine.NativeContext.Decode(batch);
        Assert.Equal(DecodeResult.ComputeAborted, result);
        Assert.True(LlamaThread.ForeignGraphNodes > foreignBefore);

        // The refused decode left nothing behind: the same request still gives the same answer.
        using var cold = LocalModel.Load(TestModels.Options());
        var again = await model.ChatClient.GetResponseAsync(Conversation("Where is order 7?"), Greedy, ct);
        Assert.Equal(first.Text, again.Text);
        Assert.Equal(first.Text, (await cold.ChatClient.GetResponseAsync(Conversation("Where is order 7?"), Greedy, ct)).Text);
    }

    [Fact]
    public void Work_given_to_the_llama_thread_runs_there_and_its_exceptions_reach_the_caller()
    {
        Assert.False(LlamaThread.IsCurrent);
        Assert.True(LlamaThread.Invoke(() => LlamaThread.IsCurrent));
        Assert.Equal(LlamaThread.ThreadName, LlamaThread.Invoke(() => Thread.CurrentThread.Name));
        var e = Assert.Throws<InvalidOperationException>(() => LlamaThread.Invoke(() => throw new InvalidOperationException("boom")));
        Assert.Equal("boom", e.Message);
        Assert.Throws<LlamaThreadException>(() => LlamaThread.EnsureCurrent("test"));
    }
}
