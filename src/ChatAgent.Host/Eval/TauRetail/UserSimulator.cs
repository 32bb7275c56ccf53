using System.ClientModel;
using ChatAgent.Llm;
using ChatAgent.Llm.Hosting;
using Microsoft.Extensions.AI;
using OpenAI;

namespace ChatAgent.Host.Eval.TauRetail;

/// <summary>
/// The simulated customer, itself a language model (τ-bench's user simulator): told the task's instruction, it writes
/// the customer's next message from the conversation so far, and <see cref="StopToken"/> when the task is done.
/// </summary>
public sealed class UserSimulator : IDisposable
{
    /// <summary>What the simulated customer writes to end the conversation (τ-bench's token).</summary>
    public const string StopToken = "###STOP###";

    /// <summary>What the customer hears first, as in τ-bench (the agent's greeting).</summary>
    public const string Greeting = "Hi! How can I help you today?";

    private readonly IChatClient _client;
    private readonly IDisposable? _owned;
    private readonly float _temperature;

    private UserSimulator(IChatClient client, IDisposable? owned, string description, float temperature)
    {
        _client = client;
        _owned = owned;
        Description = description;
        _temperature = temperature;
    }

    /// <summary>"endpoint URL (model NAME)" or "local FILE".</summary>
    public string Description { get; }

    /// <summary>Tokens the simulator read and wrote (as its model reported them).</summary>
    public long InputTokens { get; private set; }

    /// <inheritdoc cref="InputTokens"/>
    public long OutputTokens { get; private set; }

    /// <summary>
    /// An OpenAI-compatible endpoint (http(s)://…/v1) or a GGUF file run in this process. <paramref name="local"/>
    /// gives a GGUF its engine settings (threads, GPU layers, context; the path is replaced).
    /// </summary>
    public static UserSimulator Create(string model, string? name, string? apiKey, float temperature, ModelOptions local)
    {
        if (Uri.TryCreate(model, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            var client = new OpenAIClient(new ApiKeyCredential(string.IsNullOrEmpty(apiKey) ? "none" : apiKey), new OpenAIClientOptions { Endpoint = uri })
                .GetChatClient(string.IsNullOrEmpty(name) ? "default" : name)
                .AsIChatClient();
            return new UserSimulator(client, client, $"endpoint {model} (model {(string.IsNullOrEmpty(name) ? "default" : name)})", temperature);
        }
        if (!File.Exists(model))
        {
            throw new FileNotFoundException($"--user-model: '{model}' is neither an http(s) endpoint nor an existing GGUF file.", model);
        }
        local.Path = Path.GetFullPath(model);
        var loaded = LocalModel.Load(local);
        return new UserSimulator(loaded.ChatClient, loaded, $"local {Path.GetFileName(model)}", temperature);
    }

    /// <summary>The system prompt: τ-bench's user-simulator rules, in our words, around the task's instruction.</summary>
    public static string SystemPrompt(string instruction) => $"""
        You are a customer chatting with an online shop's customer-service agent. Play the customer described below.

        Instruction:
        {instruction}

        Rules:
        - Write only the customer's next message, one or two sentences at a time.
        - Do not reveal the whole instruction at once; give only what the agent needs for the current step.
        - Never invent information the instruction does not give (order ids, emails, addresses…): if the agent asks for
          something you were not told, say you do not remember or do not have it.
        - Use your own words; do not copy the instruction.
        - Stay in character and keep the conversation natural.
        - When the instruction's goal is met (or cannot be met), write {StopToken} as a message on its own to end the chat.
        """;

    /// <summary>
    /// The customer's next message. <paramref name="conversation"/> alternates the agent's messages (first: the greeting)
    /// and the customer's own; it ends with the agent's latest message.
    /// </summary>
    public async Task<string> NextAsync(string instruction, IReadOnlyList<(bool FromAgent, string Text)> conversation, CancellationToken ct)
    {
        List<ChatMessage> messages = [new(ChatRole.System, SystemPrompt(instruction))];
        // The simulator is the "assistant"; the agent's messages are its "user" turns.
        messages.AddRange(conversation.Select(m => new ChatMessage(m.FromAgent ? ChatRole.User : ChatRole.Assistant, m.Text)));
        var response = await _client.GetResponseAsync(messages, new ChatOptions { Temperature = _temperature, MaxOutputTokens = 400 }, ct);
        InputTokens += response.Usage?.InputTokenCount ?? 0;
        OutputTokens += response.Usage?.OutputTokenCount ?? 0;
        return response.Text.Trim();
    }

    /// <summary>True when <paramref name="message"/> ends the conversation.</summary>
    public static bool IsStop(string message) => message.Contains(StopToken, StringComparison.Ordinal);

    public void Dispose() => _owned?.Dispose();
}
