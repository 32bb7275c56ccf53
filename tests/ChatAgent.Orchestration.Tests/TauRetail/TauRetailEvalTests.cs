using System.CommandLine;
using System.Text.Json.Nodes;
using ChatAgent.Host.Cli;
using ChatAgent.Host.Eval.TauRetail;
using ChatAgent.Llm.Gguf;
using ChatAgent.Testing;

namespace ChatAgent.Orchestration.Tests.TauRetail;

/// <summary>
/// <c>chatagent eval tau-retail</c> end to end: τ-retail's data, the real host per trial, scripted OpenAI-compatible
/// servers as the agent and the customer (and once the real LLamaSharp engine on a generated GGUF).
/// </summary>
public sealed class TauRetailEvalTests : IDisposable
{
    // Every write kind: exchange, two returns, default address, item change, cancellation.
    private static readonly string[] OracleTasks = ["0", "11", "33", "61", "66"];

    private readonly string _dir = Directory.CreateTempSubdirectory("chatagent-tau-eval-").FullName;

    private static string DataFolder() => Path.GetDirectoryName(SharedData.Require("tau-retail/tasks.json"))!;

    private static string[] HostSettings(string agentEndpoint) =>
    [
        $"--Model:Endpoint={agentEndpoint}",
        "--Model:Name=oracle",
        "--Plugins:Enabled:0=orders",
        "--Plugins:Enabled:1=products",
        // Nothing summarised away: the oracle counts its steps in the history it is sent.
        "--Orchestrator:HistoryTokenBudget=1000000",
        // The oracle plays the task's actions whatever tools a turn offers: offer them all.
        "--Orchestrator:ToolSelection=All",
        // get_product_details finds products by id; the search index is not needed.
        "--Search:IndexOnStart=false",
    ];

    private async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var started = System.Diagnostics.Stopwatch.StartNew();
        var exit = await ChatAgentCli.Create().Parse(["eval", "tau-retail", .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine($"[{started.Elapsed.TotalSeconds:0.0} s]\n{error}\n{output}");
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task An_oracle_agent_that_plays_the_expected_actions_scores_every_task_and_transcripts_are_written()
    {
        var data = DataFolder();
        var scripts = new TauScripts(TauTasks.Load(data));
        await using var agent = await ScriptedOpenAiServer.StartAsync(scripts.Oracle);
        await using var customer = await ScriptedOpenAiServer.StartAsync(scripts.Customer);
        var outDir = Path.Combine(_dir, "oracle");

        var (exit, output, error) = await RunAsync(["--data", data, "--task-ids", string.Join(",", OracleTasks), "--user-model", customer.BaseUrl, "--out", outDir, "--turn-timeout", "120", .. HostSettings(agent.BaseUrl)]);

        Assert.True(exit == 0, $"exit {exit}\n{output}\n{error}");
        Assert.Contains("pass^1 = 1.000", output);
        Assert.DoesNotContain("warning", error);
        foreach (var id in OracleTasks)
        {
            var transcript = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, $"task-{id}-trial-1.json"), TestContext.Current.CancellationToken))!;
            Assert.True((int)transcript["reward"]! == 1, $"task {id}: {transcript}");
            Assert.Equal((string?)transcript["expected_store_hash"], (string?)transcript["store_hash"]);
            Assert.Equal("the customer ended the conversation", (string?)transcript["stop_reason"]);
            var tools = transcript["messages"]!.AsArray().Where(m => (string?)m!["role"] == "tool").Select(m => (string?)m!["value"]!["function"] ?? (string?)m["value"]!["name"]).ToList();
            Assert.Contains("confirm_change", tools);
        }
        // Every write changed the store: the expected state is not the initial one.
        var summary = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, "summary.json"), TestContext.Current.CancellationToken))!;
        Assert.Equal(1.0, (double)summary["pass_hat_k"]![0]!);
        Assert.Equal(OracleTasks.Length, summary["tasks"]!.AsArray().Count);
        Assert.True((long)summary["user_tokens"]!["output"]! > 0);
    }

    [Fact]
    public async Task An_agent_that_never_calls_tools_scores_zero_and_pass_hat_k_is_printed_for_each_k()
    {
        var data = DataFolder();
        var scripts = new TauScripts(TauTasks.Load(data));
        await using var agent = await ScriptedOpenAiServer.StartAsync(TauScripts.NeverCallsTools);
        await using var customer = await ScriptedOpenAiServer.StartAsync(scripts.Customer);
        var outDir = Path.Combine(_dir, "no-tools");

        var (exit, output, error) = await RunAsync(["--data", data, "--task-ids", "66", "--trials", "2", "--user-model", customer.BaseUrl, "--out", outDir, .. HostSettings(agent.BaseUrl)]);

        Assert.True(exit == 0, $"exit {exit}\n{output}\n{error}");
        Assert.Contains("pass^1 = 0.000", output);
        Assert.Contains("pass^2 = 0.000", output);
        var transcript = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, "task-66-trial-2.json"), TestContext.Current.CancellationToken))!;
        Assert.Equal(0, (int)transcript["reward"]!);
        Assert.False((bool)transcript["store_matches"]!);
        Assert.NotEmpty(transcript["store_differences"]!.AsArray());
        Assert.Contains(transcript["messages"]!.AsArray(), m => (string?)m!["role"] == "assistant" && (string?)m["text"] == TauScripts.Refusal);
    }

    [Fact]
    public void Pass_hat_k_is_the_chance_that_k_trials_drawn_from_a_tasks_n_all_pass_averaged_over_tasks()
    {
        // Task a: 2 of 3 pass; task b: 3 of 3; task c: 0 of 3.
        var trials = new[] { ("a", 1), ("a", 1), ("a", 0), ("b", 1), ("b", 1), ("b", 1), ("c", 0), ("c", 0), ("c", 0) };
        var p = TauRetailReport.ComputePassHatK(trials, 3);
        Assert.Equal((2.0 / 3 + 1 + 0) / 3, p[0], 6);
        Assert.Equal((1.0 / 3 + 1 + 0) / 3, p[1], 6);
        Assert.Equal((0 + 1 + 0) / 3.0, p[2], 6);
    }

    [Fact]
    public async Task Without_a_user_model_or_with_an_unknown_task_the_command_says_what_is_wrong()
    {
        var data = DataFolder();
        var noUser = await RunAsync(["--data", data, "--tasks", "1", "--out", Path.Combine(_dir, "x")]);
        Assert.Equal(2, noUser.Exit);
        Assert.Contains("--user-model is required", noUser.Err);

        await using var customer = await ScriptedOpenAiServer.StartAsync(TauScripts.NeverCallsTools);
        var unknown = await RunAsync(["--data", data, "--task-ids", "0,nope", "--user-model", customer.BaseUrl, "--out", Path.Combine(_dir, "y"), "--Model:Endpoint=http://127.0.0.1:1/v1"]);
        Assert.Equal(1, unknown.Exit);
        Assert.Contains("no task with id nope", unknown.Err);
    }

    [Fact]
    public async Task The_real_llamasharp_engine_on_a_generated_gguf_runs_a_task_and_its_tokens_are_counted()
    {
        var data = DataFolder();
        var model = Path.Combine(_dir, "tiny.gguf");
        TestModelFactory.Create(model, TestModelPreset.Tiny);
        var scripts = new TauScripts(TauTasks.Load(data));
        await using var customer = await ScriptedOpenAiServer.StartAsync(scripts.Customer);
        var outDir = Path.Combine(_dir, "gguf");

        var (exit, output, error) = await RunAsync(["--data", data, "--task-ids", "66", "--max-turns", "1", "--turn-timeout", "300", "--user-model", customer.BaseUrl, "--out", outDir,
            $"--Model:Path={model}", "--Model:Temperature=0", "--Model:Threads=2", "--Model:MaxOutputTokens=24",
            // The test model's vocabulary is bytes: a small plugin keeps the prompt inside its context.
            "--Plugins:Enabled:0=store_hours", "--Plugins:Enabled:1=store_hours", "--Plugins:Enabled:2=store_hours",
            "--Orchestrator:HistoryTokenBudget=2000", "--Search:IndexOnStart=false"]);

        Assert.True(exit == 0, $"exit {exit}\n{output}\n{error}");
        var transcript = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, "task-66-trial-1.json"), TestContext.Current.CancellationToken))!;
        Assert.Contains((int)transcript["reward"]!, new[] { 0, 1 });
        Assert.True((long)transcript["agent_tokens"]!["prompt_processed"]! > 0, transcript.ToJsonString());
        Assert.True((long)transcript["agent_tokens"]!["generated"]! > 0, transcript.ToJsonString());
        Assert.Equal(1, (int)transcript["customer_messages"]!);
        Assert.Contains("agent tokens per trial", output);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Left in the temp folder; harmless.
        }
    }
}
