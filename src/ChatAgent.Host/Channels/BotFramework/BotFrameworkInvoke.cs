using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;

namespace ChatAgent.Host.Channels.BotFramework;

/// <summary>
/// The answer to an <c>invoke</c> activity, written as the HTTP response of <c>/api/messages</c> (Bot Framework's
/// <c>InvokeResponse</c>: its status becomes the HTTP status, its body the JSON body).
/// </summary>
public sealed record BotFrameworkInvokeResponse(int Status, JsonNode? Body);

/// <summary>
/// Answers one kind of <c>invoke</c> activity (Teams task modules, message extensions, Adaptive Card actions…) by its
/// <see cref="Activity.Name"/>. Register implementations in DI; an invoke no handler claims is answered 501.
/// </summary>
public interface IBotFrameworkInvokeHandler
{
    /// <summary>The invoke name handled (e.g. <c>healthCheck</c>, <c>adaptiveCard/action</c>); compared case-insensitively.</summary>
    string Name { get; }

    /// <summary>Answers the invoke; the channel waits for this, so keep it short (Teams gives up after about 15 s).</summary>
    Task<BotFrameworkInvokeResponse> HandleAsync(Activity invoke, CancellationToken cancellationToken);
}

/// <summary>Azure Bot Service's <c>healthCheck</c> invoke (the portal's "Test" and channel probes).</summary>
public sealed class HealthCheckInvokeHandler : IBotFrameworkInvokeHandler
{
    public string Name => "healthCheck";

    public Task<BotFrameworkInvokeResponse> HandleAsync(Activity invoke, CancellationToken cancellationToken) =>
        Task.FromResult(new BotFrameworkInvokeResponse(StatusCodes.Status200OK, new JsonObject
        {
            ["healthResults"] = new JsonObject
            {
                ["success"] = true,
                ["messages"] = new JsonArray("Health check succeeded."),
            },
        }));
}
