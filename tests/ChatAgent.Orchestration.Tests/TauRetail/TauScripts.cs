using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatAgent.Host.Eval.TauRetail;
using ChatAgent.Testing;

namespace ChatAgent.Orchestration.Tests.TauRetail;

/// <summary>
/// Scripted models for <c>eval tau-retail</c>: a customer that opens with the task's reference, says yes when asked to
/// confirm and stops otherwise; an oracle agent that plays the task's expected actions as tool calls (each write:
/// propose, ask for a yes, then confirm_change with the proposal's handle); and an agent that never calls a tool.
/// </summary>
internal sealed partial class TauScripts(IReadOnlyList<TauTask> tasks)
{
    public const string Ask = "I have prepared that change for you. Please reply yes to confirm.";
    public const string Done = "All set. Thank you for contacting us.";
    public const string Refusal = "I'm sorry, I cannot help with that here.";

    private readonly Dictionary<string, TauTask> _byId = tasks.ToDictionary(t => t.Id);

    public ScriptedReply Customer(JsonObject request)
    {
        var messages = ScriptedOpenAiServer.Messages(request);
        var system = ScriptedOpenAiServer.Content(messages[0]);
        var task = tasks.First(t => system.Contains(t.UserInstruction, StringComparison.Ordinal));
        if (!messages.Any(m => (string?)m["role"] == "assistant"))
        {
            return ScriptedReply.Say($"Hi, I need help with my orders. (ref T{task.Id})");
        }
        var agent = ScriptedOpenAiServer.Content(messages.Last(m => (string?)m["role"] == "user"));
        return agent.Contains("reply yes", StringComparison.OrdinalIgnoreCase)
            ? ScriptedReply.Say("Yes, please go ahead.")
            : ScriptedReply.Say(UserSimulator.StopToken);
    }

    public ScriptedReply Oracle(JsonObject request)
    {
        var messages = ScriptedOpenAiServer.Messages(request);
        var first = ScriptedOpenAiServer.Content(messages.First(m => (string?)m["role"] == "user"));
        var task = _byId[TaskReference().Match(first).Groups["id"].Value];
        var steps = new List<object>();
        foreach (var action in task.Actions)
        {
            if (TauActions.ToPluginCall(action) is { } call)
            {
                steps.Add(call);
                if (TauActions.IsWrite(action.Name))
                {
                    steps.Add(Ask);
                    steps.Add(TauActions.ConfirmFunction);
                }
            }
        }
        // Steps taken: every tool call so far, and every question or closing line the oracle wrote.
        var taken = messages.Where(m => (string?)m["role"] == "assistant")
            .Sum(m => (m["tool_calls"] as JsonArray)?.Count ?? 0) + messages.Count(m => (string?)m["role"] == "assistant" && ScriptedOpenAiServer.Content(m) is Ask or Done);
        if (taken >= steps.Count)
        {
            return ScriptedReply.Say(Done);
        }
        switch (steps[taken])
        {
            case PluginCall call:
                return ScriptedReply.Call(Tool(request, call.Function), call.Arguments);
            case string text when text == Ask:
                return ScriptedReply.Say(Ask);
            default:
                var handle = messages.Where(m => (string?)m["role"] == "tool")
                    .Select(m => JsonNode.Parse(ScriptedOpenAiServer.Content(m)) as JsonObject)
                    .Last(r => r?["handle"] is not null && r["confirmation_required"] is not null)!["handle"]!.GetValue<string>();
                return ScriptedReply.Call(Tool(request, TauActions.ConfirmFunction), new JsonObject { ["handle"] = handle });
        }
    }

    public static ScriptedReply NeverCallsTools(JsonObject request) => ScriptedReply.Say(Refusal);

    private static string Tool(JsonObject request, string function) =>
        ScriptedOpenAiServer.ToolName(request, function)
        ?? throw new InvalidOperationException($"No tool named {function} offered; offered: {string.Join(", ", (request["tools"] as JsonArray ?? []).Select(t => (string?)t?["function"]?["name"]))}");

    [GeneratedRegex(@"\(ref T(?<id>[^)]+)\)")]
    private static partial Regex TaskReference();
}
