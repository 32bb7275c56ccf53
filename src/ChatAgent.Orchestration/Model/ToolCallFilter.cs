using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Service;
using ChatAgent.Orchestration.Guardrails;
using ChatAgent.Orchestration.Handoff;
using ChatAgent.Orchestration.State;
using ChatAgent.Shop.Conversations;
using ChatAgent.Shop.Plugins;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel;

namespace ChatAgent.Orchestration.Model;

/// <summary>
/// Runs around every tool call the model makes in one turn: shows the customer what is happening
/// ("Looking up order #W123…"), lets a write through only when the customer's own message confirmed it, treats the
/// result as data (instruction-like text neutralised), records the call with its arguments and result in the
/// transcript as a <c>tool</c> event, and stops the tool loop when the model hands over to a human.
/// </summary>
internal sealed class ToolCallFilter(ITurnContext turn, IReplyStream stream, ConfirmationOutcome confirmation, HandoffPlugin handoff, ILogger logger) : IAutoFunctionInvocationFilter
{
    private static readonly HashSet<string> ConfirmingFunctions = new(StringComparer.OrdinalIgnoreCase) { "confirm_change" };

    public List<ToolCallRecord> Calls { get; } = [];

    /// <summary>
    /// Tool-call arguments parsed from model output arrive as <see cref="System.Text.Json.JsonElement"/>s, which Semantic
    /// Kernel's method marshalling cannot turn into <c>int</c>, <c>decimal</c> or <c>bool</c> parameters. Their JSON text
    /// goes through SK's string conversion (type converters, then JSON), which handles every parameter type.
    /// </summary>
    internal static void NormalizeJsonArguments(KernelArguments? arguments)
    {
        if (arguments is null)
        {
            return;
        }
        foreach (var name in arguments.Names.ToList())
        {
            if (arguments[name] is System.Text.Json.JsonElement element)
            {
                arguments[name] = element.ValueKind switch
                {
                    System.Text.Json.JsonValueKind.String => element.GetString(),
                    System.Text.Json.JsonValueKind.Null or System.Text.Json.JsonValueKind.Undefined => null,
                    _ => element.GetRawText(),
                };
            }
        }
    }

    public async Task OnAutoFunctionInvocationAsync(AutoFunctionInvocationContext context, Func<AutoFunctionInvocationContext, Task> next)
    {
        NormalizeJsonArguments(context.Arguments);
        var plugin = context.Function.PluginName ?? "";
        var function = context.Function.Name;
        var name = plugin.Length > 0 ? $"{plugin}_{function}" : function;
        var arguments = context.Arguments?.Where(a => a.Value is not CancellationToken).ToList() ?? [];
        var ct = context.CancellationToken;
        await stream.InformAsync(Describe(function, arguments), ct);

        string result;
        var isError = false;
        if (ConfirmingFunctions.Contains(function) && !ConfirmedThisTurn(arguments))
        {
            // Authorization is in code: only the customer's own explicit yes (checked by the gate before the model ran) unlocks a write.
            result = ToolResult.Refused("Not applied: the customer's latest message did not explicitly confirm this change. Show the proposed change and ask them to reply yes.");
            isError = true;
            context.Result = new FunctionResult(context.Function, result);
        }
        else
        {
            try
            {
                await next(context);
                result = context.Result.GetValue<object>() switch
                {
                    null => "",
                    string s => s,
                    var other => System.Text.Json.JsonSerializer.Serialize(other),
                };
                isError = ToolResult.IsRefusal(result);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Tool {Tool} failed in conversation {ConversationId}", name, turn.Conversation.Id);
                result = ToolResult.Refused("The shop's system could not complete this request right now.");
                isError = true;
            }
            result = ToolOutput.Neutralise(result, out var neutralised);
            if (neutralised)
            {
                logger.LogWarning("Instruction-like text removed from the result of {Tool} in conversation {ConversationId}", name, turn.Conversation.Id);
            }
            context.Result = new FunctionResult(context.Function, result);
        }

        var value = Transcript.ToolValue(plugin, function, arguments, result, isError);
        Calls.Add(Transcript.ParseTool(value));
        await turn.SendAsync(new Activity { Type = ActivityTypes.Event, Name = TranscriptEvents.Tool, Value = value }, ct);
        logger.LogInformation("Tool {Tool}({Arguments}) -> {Outcome}", name, Redactor.Redact(value["arguments"]!.ToJsonString()), isError ? "error" : "ok");

        if (handoff.RequestedSummary is not null)
        {
            context.Terminate = true;
        }
    }

    private bool ConfirmedThisTurn(List<KeyValuePair<string, object?>> arguments)
    {
        if (confirmation.Decision != ConfirmationDecision.Confirmed)
        {
            return false;
        }
        var handle = arguments.FirstOrDefault(a => a.Key == "handle").Value?.ToString()?.Trim();
        return string.Equals(handle, confirmation.Handle, StringComparison.OrdinalIgnoreCase);
    }

    internal static string Describe(string function, IReadOnlyList<KeyValuePair<string, object?>> arguments)
    {
        var orderId = arguments.FirstOrDefault(a => a.Key == "order_id").Value?.ToString();
        if (!string.IsNullOrWhiteSpace(orderId))
        {
            var id = orderId.Trim();
            return $"Looking up order {(id.StartsWith('#') ? id : "#" + id)}…";
        }
        return function switch
        {
            _ when function.StartsWith("verify", StringComparison.Ordinal) => "Checking your details…",
            _ when function.Contains("search", StringComparison.Ordinal) => "Searching the catalogue…",
            _ when function.Contains("recommend", StringComparison.Ordinal) => "Finding recommendations…",
            "transfer_to_human" => "Passing you to a person…",
            "confirm_change" => "Applying the change…",
            _ => "Working on it…",
        };
    }
}
