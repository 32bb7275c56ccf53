using ChatAgent.Conversations.Activities;

namespace ChatAgent.Conversations.Service;

/// <summary>
/// The built-in bot used until the orchestrator is wired in: it repeats the customer's words as a livestreamed
/// reply and answers "help" with buttons. Useful to check a channel or a client end to end.
/// </summary>
public sealed class SimpleBot : IBot
{
    public async Task OnTurnAsync(ITurnContext turn, CancellationToken cancellationToken)
    {
        var text = turn.Activity.Text?.Trim() ?? string.Empty;
        if (text.Equals("help", StringComparison.OrdinalIgnoreCase))
        {
            await turn.SendAsync(new Activity
            {
                Text = "I can repeat what you say. Try one of these:",
                SuggestedActions = new SuggestedActions { Actions = [CardAction.ImBack("Hello"), CardAction.ImBack("Where is my order?")] },
            }, cancellationToken);
            return;
        }

        var stream = turn.BeginStream();
        await stream.InformAsync("Thinking…", cancellationToken);
        await stream.AppendAsync("You said: ", cancellationToken);
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            await Task.Delay(15, cancellationToken);
            await stream.AppendAsync("**" + word + "** ", cancellationToken);
        }
        await stream.CompleteAsync(new Activity { Text = stream.Text.TrimEnd() }, cancellationToken);
    }
}
