using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace ChatAgent.Orchestration.Tests;

/// <summary>
/// A stand-in language model for orchestration tests: each script is chosen by a marker in the conversation's first
/// customer message and decides the next response from the messages so far (tool calls, then text).
/// </summary>
internal sealed partial class ScriptedChatClient : IChatClient
{
    private readonly Dictionary<string, Func<ScriptContext, ChatResponse>> _scripts = new(StringComparer.Ordinal);

    public List<IReadOnlyList<ChatMessage>> Requests { get; } = [];

    public ScriptedChatClient On(string marker, Func<ScriptContext, ChatResponse> script)
    {
        _scripts[marker] = script;
        return this;
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        lock (Requests)
        {
            Requests.Add(list);
        }
        var firstUser = list.FirstOrDefault(m => m.Role == ChatRole.User)?.Text ?? "";
        var script = _scripts.FirstOrDefault(s => firstUser.Contains(s.Key, StringComparison.Ordinal)).Value
            ?? (_ => Text("I can help with orders, products and our policies."));
        return Task.FromResult(script(new ScriptContext(list, options)));
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var message in response.Messages)
        {
            var calls = message.Contents.OfType<FunctionCallContent>().ToList();
            if (calls.Count > 0)
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, [.. calls]) { MessageId = "m" };
                continue;
            }
            // Text arrives in small pieces, as from a real model.
            foreach (var piece in Regex.Split(message.Text, @"(?<=\s)"))
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, piece) { MessageId = "m" };
            }
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("scripted") : serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    public static ChatResponse Text(string text) => new(new ChatMessage(ChatRole.Assistant, text));

    public static ChatResponse Call(string name, Dictionary<string, object?> arguments) =>
        new(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent($"call{Guid.NewGuid():N}"[..12], name, arguments)]));
}

/// <summary>What a script sees: the messages so far and the tools offered.</summary>
internal sealed partial record ScriptContext(IReadOnlyList<ChatMessage> Messages, ChatOptions? Options)
{
    /// <summary>Tool results since the customer's latest message (the step of the tool loop).</summary>
    public List<string> Results => Messages
        .Skip(Messages.ToList().FindLastIndex(m => m.Role == ChatRole.User) + 1)
        .SelectMany(m => m.Contents.OfType<FunctionResultContent>())
        .Select(r => r.Result switch { JsonElement e when e.ValueKind == JsonValueKind.String => e.GetString()!, null => "", var v => v.ToString()! })
        .ToList();

    /// <summary>The customer's latest message as they wrote it (without the turn's &lt;context&gt; note the orchestrator puts before it).</summary>
    public string LastUserText => Regex.Replace(Messages.Last(m => m.Role == ChatRole.User).Text, @"\A<context>.*?</context>\s*", "", RegexOptions.Singleline);

    /// <summary>The full tool name the kernel offered for a function (e.g. <c>orders_get_order_details</c>).</summary>
    public string Tool(string function) =>
        Options?.Tools?.Select(t => t.Name).FirstOrDefault(n => n.EndsWith(function, StringComparison.Ordinal))
        ?? throw new InvalidOperationException($"No tool {function} offered; offered: {string.Join(", ", Options?.Tools?.Select(t => t.Name) ?? [])}");

    public string Email => EmailPattern().Match(string.Join(" ", Messages.Where(m => m.Role == ChatRole.User).Select(m => m.Text))).Value;

    public string OrderId => OrderPattern().Match(string.Join(" ", Messages.Where(m => m.Role == ChatRole.User).Select(m => m.Text))).Value;

    [GeneratedRegex(@"[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"#W\d{7}")]
    private static partial Regex OrderPattern();
}
