using Microsoft.Extensions.AI;

namespace ChatAgent.Llm.Chat;

/// <summary>
/// Counts prompt tokens with the model's own tokenizer and says how long one conversation's prompt may be. The local
/// chat client implements it (get it with <c>chatClient.GetService&lt;IPromptTokenCounter&gt;()</c>); without it
/// (an endpoint) callers use <see cref="PromptTokens.Estimate"/>.
/// </summary>
public interface IPromptTokenCounter
{
    /// <summary>Tokens of <paramref name="text"/> as the model tokenizes it (special tokens parsed).</summary>
    int CountTokens(string text);

    /// <summary>Tokens the description of <paramref name="tools"/> takes in the prompt, in this model's format.</summary>
    int CountToolTokens(IReadOnlyList<AIFunctionDeclaration> tools);

    /// <summary>
    /// The longest prompt one conversation may send: <c>Model:PromptTokens</c>, within what the context holds for one
    /// conversation once <c>Model:MaxOutputTokens</c> are set aside.
    /// </summary>
    int PromptTokenLimit { get; }
}

/// <summary>Token estimates where the model's tokenizer is not at hand.</summary>
public static class PromptTokens
{
    /// <summary>About four characters a token: errs on the long side for English.</summary>
    public static int Estimate(string text) => ((text?.Length ?? 0) + 3) / 4;
}
