using System.Text;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace ChatAgent.Orchestration.Model;

/// <summary>
/// Keeps a chat history inside the model's context window: the system prompt always stays, a tool call always stays
/// together with its results (a model sees no call without its answer and no orphan answer), the newest turns are kept
/// whole, and the turns that no longer fit are replaced by a short extractive summary.
/// </summary>
/// <remarks>
/// Tokens are estimated (about four characters a token, plus a few per message) unless a counter for the model's own
/// tokenizer is given: the estimate errs on the long side for English, which keeps the reduced history inside the budget.
/// </remarks>
public sealed class TokenAwareHistoryReducer(int tokenBudget, Func<string, int>? countTokens = null) : IChatHistoryReducer
{
    private const int PerMessageOverhead = 4;
    private readonly Func<string, int> _count = countTokens ?? (text => (text.Length + 3) / 4);

    public int TokenBudget { get; } = tokenBudget;

    public int Count(ChatMessageContent message) => PerMessageOverhead + _count(Render(message));

    public Task<IEnumerable<ChatMessageContent>?> ReduceAsync(IReadOnlyList<ChatMessageContent> chatHistory, CancellationToken cancellationToken = default)
    {
        var total = chatHistory.Sum(Count);
        if (total <= TokenBudget)
        {
            return Task.FromResult<IEnumerable<ChatMessageContent>?>(null);
        }

        var system = chatHistory.TakeWhile(m => m.Role == AuthorRole.System).ToList();
        var units = Units(chatHistory.Skip(system.Count).ToList());
        var budget = TokenBudget - system.Sum(Count);
        // Room for the summary of what is dropped: an eighth of the budget at most.
        var summaryBudget = Math.Max(0, TokenBudget / 8);
        var kept = new List<List<ChatMessageContent>>();
        var used = 0;
        for (var i = units.Count - 1; i >= 0; i--)
        {
            var cost = units[i].Sum(Count);
            if (kept.Count > 0 && used + cost > budget - summaryBudget)
            {
                break;
            }
            kept.Insert(0, units[i]);
            used += cost;
        }
        // A kept history starts with a customer message, never with a tool result or an answer to something dropped.
        while (kept.Count > 1 && kept[0][0].Role != AuthorRole.User)
        {
            kept.RemoveAt(0);
        }
        var dropped = units.Take(units.Count - kept.Count).SelectMany(u => u).ToList();

        var result = new List<ChatMessageContent>(system);
        if (dropped.Count > 0)
        {
            result.Add(new ChatMessageContent(AuthorRole.System, Summarise(dropped, summaryBudget)));
        }
        result.AddRange(kept.SelectMany(u => u));
        return Task.FromResult<IEnumerable<ChatMessageContent>?>(result);
    }

    /// <summary>Splits a history into units that must stay together: an assistant message with tool calls plus the tool results that answer it.</summary>
    internal static List<List<ChatMessageContent>> Units(IReadOnlyList<ChatMessageContent> messages)
    {
        var units = new List<List<ChatMessageContent>>();
        foreach (var m in messages)
        {
            var isResult = m.Role == AuthorRole.Tool || m.Items.OfType<FunctionResultContent>().Any();
            if (isResult && units.Count > 0 && units[^1].Any(x => x.Items.OfType<FunctionCallContent>().Any()))
            {
                units[^1].Add(m);
            }
            else
            {
                units.Add([m]);
            }
        }
        return units;
    }

    private string Summarise(IReadOnlyList<ChatMessageContent> dropped, int budget)
    {
        var sb = new StringBuilder("Summary of the earlier part of this conversation (older messages were shortened):");
        foreach (var m in dropped)
        {
            var text = Render(m);
            if (text.Length == 0)
            {
                continue;
            }
            var who = m.Role == AuthorRole.User ? "Customer" : m.Role == AuthorRole.Tool ? "Tool result" : "Assistant";
            var line = $"\n- {who}: {(text.Length > 120 ? text[..120] + "…" : text)}";
            if (_count(sb.ToString() + line) > budget)
            {
                break;
            }
            sb.Append(line);
        }
        return sb.ToString();
    }

    private static string Render(ChatMessageContent m)
    {
        var sb = new StringBuilder(m.Content ?? "");
        foreach (var item in m.Items)
        {
            switch (item)
            {
                case FunctionCallContent call:
                    sb.Append(' ').Append(call.PluginName).Append('_').Append(call.FunctionName).Append('(')
                      .Append(string.Join(", ", call.Arguments?.Select(a => $"{a.Key}={a.Value}") ?? [])).Append(')');
                    break;
                case FunctionResultContent result:
                    sb.Append(' ').Append(result.Result?.ToString());
                    break;
            }
        }
        return sb.ToString().Trim();
    }
}
