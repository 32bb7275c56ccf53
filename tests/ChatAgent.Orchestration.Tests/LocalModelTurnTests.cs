using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Store;
using ChatAgent.Llm.Engine;
using ChatAgent.Llm.Gguf;
using ChatAgent.Llm.Hosting;
using ChatAgent.Orchestration.Model;
using Microsoft.Extensions.DependencyInjection;
using ChatAgent.Orchestration.State;
using ChatAgent.Testing;

namespace ChatAgent.Orchestration.Tests;

/// <summary>Whole turns through the real host on a generated GGUF model (one file for the class, written once).</summary>
public sealed class LocalModelTurnTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chatagent-orch-gguf-").FullName;
    private readonly string _model;

    public LocalModelTurnTests()
    {
        _model = Path.Combine(_dir, "tiny.gguf");
        TestModelFactory.Create(_model, TestModelPreset.Tiny);
    }

    private Task<ChatAgentTestHost> StartHostAsync(params (string Key, string? Value)[] settings) => ChatAgentTestHost.StartAsync(TestSettings.Base(
        [
            ("Model:Path", _model),
            ("Model:Temperature", "0"),
            ("Orchestrator:HistoryTokenBudget", "2000"),
            // The test model's vocabulary is bytes (a token a character): a small plugin keeps the tool list inside its context.
            ("Plugins:Enabled:0", "store_hours"),
            // (appsettings.json's Plugins:Enabled:1 and :2 stay enabled: the byte-level prompt with their tools is ~4,300 tokens.)
            ("Model:PromptTokens", "6144"),
            .. settings,
        ]));

    [Fact]
    public async Task A_generated_gguf_model_runs_a_whole_turn_with_a_grammar_valid_tool_call_through_the_real_host()
    {
        await using var host = await StartHostAsync(
            ("Model:Threads", "2"),
            ("Model:Seed", "7"),
            // A token is a byte here: a whole tool call needs a few hundred.
            ("Model:MaxOutputTokens", "400"),
            // Random weights rarely choose a tool on their own; the first step is made to call one.
            ("Orchestrator:RequireToolCallFirst", "true"));
        await using var chat = await Chat.StartAsync(host);

        var answer = await chat.AskAsync("where is my order #W1234567?", TimeSpan.FromMinutes(3));

        var transcript = await chat.ActivitiesAsync();
        var tool = transcript.FirstOrDefault(a => a.Type == ActivityTypes.Event && a.Name == TranscriptEvents.Tool);
        Assert.True(tool is not null, "no tool call in the transcript:\n" + string.Join("\n", transcript.Select(a => $"{a.Type} {a.Name} {a.From?.Role}: {a.Text}")));
        var value = (JsonObject)tool!.Value!;
        Assert.False(string.IsNullOrEmpty(value["function"]!.GetValue<string>()));
        Assert.IsType<JsonObject>(value["arguments"]);
        Assert.False(string.IsNullOrEmpty(value["result"]!.GetValue<string>()));
        Assert.Equal(RoleTypes.Bot, answer.From?.Role);
        Assert.False(string.IsNullOrWhiteSpace(answer.Text));
        var user = transcript.Single(a => a.Type == ActivityTypes.Message && a.From?.Role == RoleTypes.User);
        // Ids carry the stored order ({conversation}|{sequence}): the message, then the tool call, then the answer.
        Assert.True(string.CompareOrdinal(user.Id, tool!.Id) < 0 && string.CompareOrdinal(tool.Id, answer.Id) < 0, $"{user.Id} {tool.Id} {answer.Id}");
    }

    [Fact]
    public async Task When_every_engine_slot_is_taken_the_customer_is_told_the_model_is_busy_and_the_next_message_is_answered()
    {
        await using var host = await StartHostAsync(
            ("Model:Threads", "1"),
            ("Model:MaxOutputTokens", "40"),
            ("Model:MaxConcurrent", "1"),
            ("Model:QueueLength", "0"),
            ("Orchestrator:BusyRetries", "1"),
            ("Orchestrator:BusyRetrySeconds", "0.1"));
        var model = host.Services.GetRequiredService<LocalModel>();
        await using var chat = await Chat.StartAsync(host);

        // Another customer's long answer holds the only decoding slot, and the queue has no places.
        using var other = new CancellationTokenSource();
        var running = model.Engine.Submit(new GenerationRequest
        {
            Prompt = model.Engine.Tokenize("<|im_start|>user\nwrite<|im_end|>\n<|im_start|>assistant\n"),
            Sampling = new SamplingSettings(0, 1, 0, 0, 1),
            Grammar = "root ::= [a-z]{1500} [a-z]{1500}",
            MaxTokens = 4000,
        }, other.Token);

        var busy = await chat.AskAsync("what are your opening hours?", TimeSpan.FromMinutes(2));
        Assert.Equal(ModelTurnRunner.BusyAnswer, busy.Text);
        Assert.True(model.Counters.BusyRejections >= 2, $"busy rejections: {model.Counters.BusyRejections}");

        await other.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.Completion);
        var answered = await chat.AskAsync("and on Sundays?", TimeSpan.FromMinutes(3));
        Assert.NotEqual(ModelTurnRunner.BusyAnswer, answered.Text);
        Assert.NotEqual("busy", ((JsonObject)answered.ChannelData![TranscriptEvents.StateKey]!)["outcome"]!.GetValue<string>());
        Assert.Equal(ConversationStatus.Active, await chat.StatusAsync());
    }

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
