using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatAgent.Llm;
using Microsoft.Extensions.Configuration;

namespace ChatAgent.Host.Eval.TauRetail;

/// <summary>What <c>chatagent eval tau-retail</c> runs.</summary>
public sealed class TauRetailEvalOptions
{
    /// <summary>The τ-retail folder (tasks.json, split_tasks.json, db.json).</summary>
    public required string DataFolder { get; init; }

    /// <summary>Where transcripts, the summary and the store copies go.</summary>
    public required string OutputFolder { get; init; }

    /// <summary>τ²'s split to take tasks from: test (default), train or base (all).</summary>
    public string Split { get; init; } = "test";

    /// <summary>The split's first N tasks; null: the whole split.</summary>
    public int? Tasks { get; init; }

    /// <summary>Comma-separated task ids to run instead of the split.</summary>
    public string? TaskIds { get; init; }

    /// <summary>Trials per task (k of pass^k).</summary>
    public int Trials { get; init; } = 1;

    /// <summary>The simulated customer: an OpenAI-compatible endpoint URL or a GGUF file.</summary>
    public required string UserModel { get; init; }

    /// <summary>Model name sent to a user-model endpoint.</summary>
    public string? UserModelName { get; init; }

    /// <summary>API key for a user-model endpoint.</summary>
    public string? UserApiKey { get; init; }

    /// <summary>The simulated customer's sampling temperature.</summary>
    public float UserTemperature { get; init; }

    /// <summary>Most customer messages per conversation.</summary>
    public int MaxTurns { get; init; } = 30;

    /// <summary>Longest wait for the bot to finish one turn.</summary>
    public TimeSpan TurnTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Configuration overrides as on the command line (<c>--Model:Path=…</c>), applied to the host of every trial.</summary>
    public IReadOnlyList<string> HostArguments { get; init; } = [];

    /// <summary>The configured agent model, for the report (filled in by the evaluation).</summary>
    public string AgentDescription { get; internal set; } = "";
}

/// <summary>The run's result: every trial, pass^1…pass^k, and the per-task rewards table.</summary>
public sealed record TauRetailReport(IReadOnlyList<TrialOutcome> Trials, IReadOnlyList<double> PassHatK, string AgentModel, string UserModel)
{
    /// <summary>The printed table: one row per task (reward per trial), then pass^1…pass^k.</summary>
    public string Format()
    {
        var text = new StringBuilder();
        var k = PassHatK.Count;
        var width = Math.Max(8, 2 * k);
        text.AppendLine(CultureInfo.InvariantCulture, $"{"task",-6} {"rewards".PadRight(width)} {"msgs",5} {"secs",7}  stop / store");
        foreach (var task in Trials.GroupBy(t => t.TaskId))
        {
            var rewards = string.Join(" ", task.OrderBy(t => t.Trial).Select(t => t.Reward.ToString(CultureInfo.InvariantCulture)));
            var last = task.OrderBy(t => t.Trial).Last();
            var note = last.Reward == 1 ? "" : last.StoreMatches ? $"; missing outputs: {string.Join(", ", last.MissingOutputs)}" : "; store differs";
            text.AppendLine(CultureInfo.InvariantCulture, $"{task.Key,-6} {rewards.PadRight(width)} {task.Average(t => t.CustomerMessages),5:0.#} {task.Average(t => t.Seconds),7:0.0}  {last.StopReason}{note}");
        }
        for (var i = 0; i < k; i++)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"pass^{i + 1} = {PassHatK[i]:0.000}");
        }
        var tokens = Trials.Where(t => t.AgentPromptTokens is not null).ToList();
        if (tokens.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"agent tokens per trial: {tokens.Average(t => t.AgentPromptTokens!.Value):0} prompt processed, {tokens.Average(t => t.AgentCachedTokens!.Value):0} reused from cache, {tokens.Average(t => t.AgentGeneratedTokens!.Value):0} generated");
        }
        return text.ToString();
    }

    /// <summary>
    /// τ-bench's pass^k: for each task with n trials of which c passed, C(c,k)/C(n,k) (the chance that k trials drawn
    /// from its n all pass), averaged over tasks; k = 1…n.
    /// </summary>
    public static IReadOnlyList<double> ComputePassHatK(IEnumerable<(string Task, int Reward)> trials, int n)
    {
        var byTask = trials.GroupBy(t => t.Task).Select(g => (Passed: g.Count(t => t.Reward == 1), Total: g.Count())).ToList();
        return Enumerable.Range(1, n).Select(k => byTask.Count == 0 ? 0 : byTask.Average(t => Choose(t.Passed, k) / Choose(t.Total, k))).ToList();
    }

    private static double Choose(int n, int k)
    {
        if (k > n)
        {
            return 0;
        }
        double result = 1;
        for (var i = 1; i <= k; i++)
        {
            result = result * (n - k + i) / i;
        }
        return result;
    }
}

/// <summary>
/// Runs τ²-bench's retail tasks against the configured model through the real host: import once, then for each
/// task its expected end state and <see cref="TauRetailEvalOptions.Trials"/> trials, each on a fresh store copy.
/// </summary>
public static class TauRetailEvaluation
{
    public static async Task<TauRetailReport> RunAsync(TauRetailEvalOptions options, TextWriter progress, CancellationToken ct)
    {
        var all = TauTasks.Load(options.DataFolder);
        var tasks = TauTasks.Select(all, options.DataFolder, options.Split, options.Tasks, options.TaskIds);
        if (tasks.Count == 0)
        {
            throw new FormatException($"No tasks selected (split '{options.Split}', --tasks {options.Tasks}, --task-ids '{options.TaskIds}').");
        }
        var dbJson = Path.Combine(options.DataFolder, "db.json");
        if (!File.Exists(dbJson))
        {
            throw new FileNotFoundException($"{dbJson} not found.", dbJson);
        }
        Directory.CreateDirectory(options.OutputFolder);
        var configuration = new ConfigurationBuilder()
            .SetBasePath(ServiceDefaults.ContentRoot.Resolve())
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine([.. options.HostArguments])
            .Build();
        var model = configuration.GetSection(ModelOptions.SectionName).Get<ModelOptions>() ?? new ModelOptions();
        options.AgentDescription = model.Endpoint.Length > 0 ? $"endpoint {model.Endpoint} (model {(model.Name.Length > 0 ? model.Name : "default")})"
            : model.Path.Length > 0 ? $"local {model.Path}"
            : throw new InvalidOperationException("No model is configured (Model:Path and Model:Endpoint are empty): eval tau-retail measures a model. Set one in appsettings.json or pass --Model:Path=FILE.gguf / --Model:Endpoint=URL.");

        await progress.WriteLineAsync($"τ-retail: {tasks.Count} task(s) × {options.Trials} trial(s); agent {options.AgentDescription}");
        // The store copies get the same command-line overrides as the hosts (e.g. Plugins:*, Search:*).
        var commandLine = new ConfigurationBuilder().AddCommandLine([.. options.HostArguments]).Build().AsEnumerable().Where(kv => kv.Value is not null).ToList();
        var importing = System.Diagnostics.Stopwatch.StartNew();
        var store = await TauStore.CreateAsync(dbJson, Path.Combine(options.OutputFolder, "stores"), commandLine, ct);
        await progress.WriteLineAsync($"store imported and indexed in {importing.Elapsed.TotalSeconds:0.0} s");

        // The simulated customer gets its own engine settings when it is a GGUF: the agent's threads and GPU layers, its own file.
        var userLocal = configuration.GetSection(ModelOptions.SectionName).Get<ModelOptions>() ?? new ModelOptions();
        userLocal.Endpoint = "";
        using var user = UserSimulator.Create(options.UserModel, options.UserModelName, options.UserApiKey, options.UserTemperature, userLocal);
        await progress.WriteLineAsync($"simulated customer: {user.Description}");
        var trial = new TauTrial(store, user, options);
        var outcomes = new List<TrialOutcome>();
        foreach (var task in tasks)
        {
            var goldTime = System.Diagnostics.Stopwatch.StartNew();
            var gold = await store.GoldAsync(task, ct);
            await progress.WriteLineAsync($"task {task.Id}: expected state in {goldTime.Elapsed.TotalSeconds:0.0} s");
            foreach (var problem in gold.Problems)
            {
                await progress.WriteLineAsync($"warning: task {task.Id}: an expected action is refused by our plugins: {problem}");
            }
            for (var i = 1; i <= options.Trials; i++)
            {
                var outcome = await trial.RunAsync(task, i, gold, ct);
                outcomes.Add(outcome);
                await progress.WriteLineAsync($"task {task.Id} trial {i}: reward {outcome.Reward} ({outcome.CustomerMessages} customer messages, {outcome.Seconds:0.0} s host start {outcome.HostStartSeconds:0.0} s, conversation {outcome.ConversationSeconds:0.0} s; {outcome.StopReason})");
            }
        }
        var report = new TauRetailReport(outcomes, TauRetailReport.ComputePassHatK(outcomes.Select(o => (o.TaskId, o.Reward)), options.Trials), options.AgentDescription, user.Description);
        var summary = new JsonObject
        {
            ["agent_model"] = report.AgentModel,
            ["user_model"] = report.UserModel,
            ["split"] = options.Split,
            ["trials_per_task"] = options.Trials,
            ["pass_hat_k"] = new JsonArray([.. report.PassHatK.Select(p => (JsonNode)Math.Round(p, 4))]),
            ["user_tokens"] = new JsonObject { ["input"] = user.InputTokens, ["output"] = user.OutputTokens },
            ["tasks"] = new JsonArray([.. outcomes.GroupBy(o => o.TaskId).Select(g => (JsonNode)new JsonObject
            {
                ["task_id"] = g.Key,
                ["rewards"] = new JsonArray([.. g.OrderBy(o => o.Trial).Select(o => (JsonNode)o.Reward)]),
                ["transcripts"] = new JsonArray([.. g.OrderBy(o => o.Trial).Select(o => (JsonNode)Path.GetFileName(o.TranscriptPath))]),
            })]),
        };
        await File.WriteAllTextAsync(Path.Combine(options.OutputFolder, "summary.json"), summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), ct);
        return report;
    }
}
