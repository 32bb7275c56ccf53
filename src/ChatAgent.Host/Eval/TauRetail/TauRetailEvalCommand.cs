using System.CommandLine;
using ChatAgent.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace ChatAgent.Host.Eval.TauRetail;

/// <summary>
/// <c>chatagent eval tau-retail [--tasks N | --task-ids A,B] [--trials k] --user-model ENDPOINT|GGUF [--out DIR]</c>: τ²-bench's
/// retail tasks against the configured model through the real host, with a simulated customer; prints each task's
/// rewards and pass^1…pass^k, and writes a JSON transcript per trial.
/// </summary>
public static class TauRetailEvalCommand
{
    /// <summary>Creates the <c>tau-retail</c> subcommand of <c>eval</c>.</summary>
    public static Command Create()
    {
        var tasks = new Option<int?>("--tasks") { Description = "run the split's first N tasks (default: the whole split)" };
        var taskIds = new Option<string?>("--task-ids") { Description = "comma-separated task ids to run instead, e.g. 0,11,66" };
        var split = new Option<string>("--split") { Description = "τ² split to take tasks from: test, train or base (all 114)", DefaultValueFactory = _ => "test" };
        var trials = new Option<int>("--trials") { Description = "trials per task: k of pass^k", DefaultValueFactory = _ => 1 };
        var userModel = new Option<string?>("--user-model") { Description = "the simulated customer: an OpenAI-compatible endpoint (http://host:port/v1) or a GGUF file" };
        var userModelName = new Option<string?>("--user-model-name") { Description = "model name sent to the user-model endpoint" };
        var userApiKey = new Option<string?>("--user-api-key") { Description = "API key for the user-model endpoint (default: env CHATAGENT_USER_API_KEY)" };
        var userTemperature = new Option<float>("--user-temperature") { Description = "the simulated customer's temperature", DefaultValueFactory = _ => 0f };
        var maxTurns = new Option<int>("--max-turns") { Description = "most customer messages per conversation", DefaultValueFactory = _ => 30 };
        var turnTimeout = new Option<int>("--turn-timeout") { Description = "seconds to wait for the bot to finish a turn", DefaultValueFactory = _ => 300 };
        var data = new Option<DirectoryInfo?>("--data") { Description = $"the τ-retail folder (default: {TauTasks.DefaultDataFolder} beside the content root)" };
        var output = new Option<DirectoryInfo?>("--out") { Description = "folder for transcripts and summary.json (default: data/eval/tau-retail-<time>)" };
        var command = new Command("tau-retail", "Measure the configured model on τ-bench's retail tasks (pass^k) with a simulated customer. "
            + "Configuration overrides such as --Model:Path=FILE.gguf may follow.")
        {
            tasks, taskIds, split, trials, userModel, userModelName, userApiKey, userTemperature, maxTurns, turnTimeout, data, output,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var hostArguments = parse.UnmatchedTokens.ToList();
            var bad = hostArguments.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal) || !a.Contains(':', StringComparison.Ordinal) && !a.Contains('=', StringComparison.Ordinal));
            if (bad is not null)
            {
                await stderr.WriteLineAsync($"eval tau-retail: unknown argument '{bad}' (configuration overrides look like --Model:Path=FILE).");
                return 2;
            }
            if (parse.GetValue(userModel) is not { Length: > 0 } user)
            {
                await stderr.WriteLineAsync("eval tau-retail: --user-model is required: the simulated customer is a model (an OpenAI-compatible endpoint URL or a GGUF file).");
                return 2;
            }
            if (parse.GetValue(trials) is < 1 or > 100 || parse.GetValue(maxTurns) is < 1 or > 500 || parse.GetValue(turnTimeout) < 1)
            {
                await stderr.WriteLineAsync("eval tau-retail: --trials must be 1-100, --max-turns 1-500 and --turn-timeout at least 1.");
                return 2;
            }
            var root = ContentRoot.Resolve();
            var options = new TauRetailEvalOptions
            {
                DataFolder = parse.GetValue(data)?.FullName ?? Path.GetFullPath(Path.Combine(root, TauTasks.DefaultDataFolder)),
                OutputFolder = parse.GetValue(output)?.FullName ?? Path.Combine(root, "data", "eval", $"tau-retail-{DateTime.UtcNow:yyyyMMdd-HHmmss}"),
                Split = parse.GetValue(split)!,
                Tasks = parse.GetValue(tasks),
                TaskIds = parse.GetValue(taskIds),
                Trials = parse.GetValue(trials),
                UserModel = user,
                UserModelName = parse.GetValue(userModelName),
                UserApiKey = parse.GetValue(userApiKey) ?? Environment.GetEnvironmentVariable("CHATAGENT_USER_API_KEY"),
                UserTemperature = parse.GetValue(userTemperature),
                MaxTurns = parse.GetValue(maxTurns),
                TurnTimeout = TimeSpan.FromSeconds(parse.GetValue(turnTimeout)),
                HostArguments = hostArguments,
            };
            try
            {
                var report = await TauRetailEvaluation.RunAsync(options, stderr, ct);
                await stdout.WriteAsync(report.Format());
                await stdout.WriteLineAsync($"transcripts: {options.OutputFolder}");
                return 0;
            }
            catch (Exception e) when (e is FormatException or FileNotFoundException or InvalidOperationException or OptionsValidationException or IOException or HttpRequestException)
            {
                var message = e is OptionsValidationException v ? string.Join("; ", v.Failures) : e.Message;
                await stderr.WriteLineAsync($"eval tau-retail: {message}");
                return 1;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                await stderr.WriteLineAsync("eval tau-retail: cancelled.");
                return 130;
            }
            catch (Exception e)
            {
                // Transcripts written so far stay in the output folder.
                await stderr.WriteLineAsync($"eval tau-retail failed ({e.GetType().Name}): {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
