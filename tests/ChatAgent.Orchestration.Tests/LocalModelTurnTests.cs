using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Llm.Gguf;
using ChatAgent.Orchestration.State;
using ChatAgent.Testing;

namespace ChatAgent.Orchestration.Tests;

public sealed class LocalModelTurnTests
{
    [Fact]
    public async Task A_generated_gguf_model_runs_a_whole_turn_with_a_grammar_valid_tool_call_through_the_real_host()
    {
        var dir = Directory.CreateTempSubdirectory("chatagent-orch-gguf-").FullName;
        try
        {
            var model = Path.Combine(dir, "tiny.gguf");
            TestModelFactory.Create(model, TestModelPreset.Tiny);
            await using var host = await ChatAgentTestHost.StartAsync(TestSettings.Base(
                ("Model:Path", model),
                ("Model:Threads", "2"),
                ("Model:Temperature", "0"),
                ("Model:Seed", "7"),
                // A token is a byte here: a whole tool call needs a few hundred.
                ("Model:MaxOutputTokens", "400"),
                ("Orchestrator:HistoryTokenBudget", "2000"),
                // The test model's vocabulary is bytes (a token a character): a small plugin keeps the tool list inside its context.
                ("Plugins:Enabled:0", "store_hours"),
                // Random weights rarely choose a tool on their own; the first step is made to call one.
                ("Orchestrator:RequireToolCallFirst", "true")));
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
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(dir, true);
            }
            catch (IOException)
            {
                // The model file may still be mapped on some platforms; the OS cleans temp folders.
            }
        }
    }
}
