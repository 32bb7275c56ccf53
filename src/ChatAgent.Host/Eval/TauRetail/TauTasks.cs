using System.Text;
using System.Text.Json.Nodes;

namespace ChatAgent.Host.Eval.TauRetail;

/// <summary>One expected action of a τ-retail task: a τ tool name and its arguments.</summary>
public sealed record TauAction(string Name, JsonObject Arguments);

/// <summary>
/// One τ²-bench retail task: what the simulated customer is told (<see cref="UserInstruction"/>), the actions a correct
/// agent takes (<see cref="Actions"/>; the store after them is the goal) and the facts it must tell the customer
/// (<see cref="Outputs"/>, τ²'s <c>communicate_info</c>).
/// </summary>
public sealed record TauTask(string Id, string UserInstruction, IReadOnlyList<TauAction> Actions, IReadOnlyList<string> Outputs);

/// <summary>Reads the τ²-bench retail data folder (<c>tasks.json</c>, <c>split_tasks.json</c>, <c>db.json</c>).</summary>
public static class TauTasks
{
    /// <summary>The default data folder, relative to the content root: the shared datasets beside the clone.</summary>
    public const string DefaultDataFolder = "../shared/data/tau-retail";

    /// <summary>Every task in <c>tasks.json</c>, in file order.</summary>
    public static IReadOnlyList<TauTask> Load(string dataFolder)
    {
        var path = Path.Combine(dataFolder, "tasks.json");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} not found: --data must be a τ-retail folder holding tasks.json and db.json.", path);
        }
        var tasks = JsonNode.Parse(File.ReadAllText(path)) as JsonArray ?? throw new FormatException($"{path}: expected a JSON array of tasks.");
        return tasks.Select(t => Parse(t!.AsObject(), path)).ToList();
    }

    /// <summary>
    /// The tasks to run: the tasks named in <paramref name="ids"/> (comma-separated; the split is then ignored), else the
    /// first <paramref name="count"/> tasks of the split (all of it when null).
    /// </summary>
    public static IReadOnlyList<TauTask> Select(IReadOnlyList<TauTask> all, string dataFolder, string split, int? count, string? ids)
    {
        var byId = all.ToDictionary(t => t.Id);
        if (!string.IsNullOrWhiteSpace(ids))
        {
            var wanted = ids.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var unknown = wanted.Where(id => !byId.ContainsKey(id)).ToList();
            if (unknown.Count > 0)
            {
                throw new FormatException($"--task-ids: no task with id {string.Join(", ", unknown)} in tasks.json (ids are {all[0].Id}…{all[^1].Id}).");
            }
            return wanted.Distinct().Select(id => byId[id]).ToList();
        }
        if (count is < 1)
        {
            throw new FormatException("--tasks must be at least 1.");
        }
        var inSplit = SplitIds(dataFolder, split).Where(byId.ContainsKey).Select(id => byId[id]).ToList();
        return count is { } n ? inSplit.Take(n).ToList() : inSplit;
    }

    private static IEnumerable<string> SplitIds(string dataFolder, string split)
    {
        var path = Path.Combine(dataFolder, "split_tasks.json");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} not found (needed for --split).", path);
        }
        var splits = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        if (splits[split] is not JsonArray ids)
        {
            throw new FormatException($"--split: no split '{split}' in split_tasks.json (known: {string.Join(", ", splits.Select(s => s.Key))}).");
        }
        return ids.Select(i => (string)i!);
    }

    private static TauTask Parse(JsonObject task, string path)
    {
        var id = (string?)task["id"] ?? throw new FormatException($"{path}: a task has no id.");
        var instructions = task["user_scenario"]?["instructions"];
        var text = new StringBuilder();
        if (instructions is JsonObject parts)
        {
            // τ²'s own layout of a structured user instruction.
            Append("Domain", parts["domain"]);
            Append("Reason for call", parts["reason_for_call"]);
            Append("Known info", parts["known_info"]);
            Append("Unknown info", parts["unknown_info"]);
            Append("Task instructions", parts["task_instructions"]);
        }
        else if (instructions is not null)
        {
            text.Append((string?)instructions);
        }
        if (text.Length == 0)
        {
            throw new FormatException($"{path}: task {id} has no user_scenario.instructions.");
        }
        var criteria = task["evaluation_criteria"];
        var actions = (criteria?["actions"] as JsonArray ?? [])
            .Select(a => new TauAction((string)a!["name"]!, a["arguments"]?.DeepClone() as JsonObject ?? []))
            .ToList();
        var outputs = (criteria?["communicate_info"] as JsonArray ?? []).Select(o => (string)o!).ToList();
        return new TauTask(id, text.ToString().TrimEnd(), actions, outputs);

        void Append(string label, JsonNode? value)
        {
            if (value is not null && (string?)value is { Length: > 0 } s)
            {
                text.Append(label).Append(":\n\t").Append(s.Replace("\n", "\n\t", StringComparison.Ordinal)).Append('\n');
            }
        }
    }
}
