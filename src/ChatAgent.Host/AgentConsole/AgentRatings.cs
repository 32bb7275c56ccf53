using System.Text.Json;
using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Service;
using ChatAgent.Conversations.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ChatAgent.Host.AgentConsole;

/// <summary>
/// Ratings after an agent resolved a conversation. The host asks with an event named <see cref="RequestEventName"/>;
/// the customer's client answers on its channel with an event named <see cref="RatingEventName"/> whose value is
/// <c>{"stars": 1-5, "comment": "optional"}</c>. One rating per resolved case; anything else is refused with 400 or 409.
/// </summary>
public sealed class AgentRatings(
    IDbContextFactory<AgentConsoleDbContext> consoleContexts,
    AgentConsoleMeters meters,
    IOptions<AgentConsoleOptions> options,
    TimeProvider clock) : IInboundActivityHandler
{
    /// <summary>Sent to the customer when an agent resolves the conversation.</summary>
    public const string RequestEventName = "chatagent.rating.request";

    /// <summary>Sent by the customer's client with the rating.</summary>
    public const string RatingEventName = "chatagent.rating";

    public async Task OnReceivingAsync(ConversationRecord conversation, Activity activity, CancellationToken cancellationToken)
    {
        if (activity.Type != ActivityTypes.Event || !string.Equals(activity.Name, RatingEventName, StringComparison.Ordinal))
        {
            return;
        }
        var (stars, comment) = Parse(activity.Value, options.Value.MaxRatingCommentLength);

        await using var db = await consoleContexts.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow();
        // One conditional update: a second rating (or two clicks racing) cannot overwrite the first.
        var rated = await db.Cases
            .Where(c => c.ConversationId == conversation.Id && c.Outcome == AgentDesk.OutcomeResolved && c.Rating == null)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Rating, stars).SetProperty(c => c.RatingComment, comment).SetProperty(c => c.RatedAt, now), cancellationToken);
        if (rated == 0)
        {
            var @case = await db.Cases.AsNoTracking().FirstOrDefaultAsync(c => c.ConversationId == conversation.Id, cancellationToken);
            throw @case is { Outcome: AgentDesk.OutcomeResolved }
                ? new ActivityRejectedException(StatusCodes.Status409Conflict, "AlreadyRated", "This conversation has already been rated. Thank you!")
                : new ActivityRejectedException(StatusCodes.Status409Conflict, "NotResolved", "Only a conversation that a support agent has resolved can be rated.");
        }

        // The transcript keeps the rating as accepted, without whatever else the client put in the value.
        activity.Value = new JsonObject { ["stars"] = stars, ["comment"] = comment };
        db.Audit.Add(new AgentAuditEntry { At = now, Actor = "customer", Action = "rated", ConversationId = conversation.Id, Detail = $"{stars}/5" });
        await db.SaveChangesAsync(cancellationToken);
        meters.Rated(stars);
    }

    internal static (int Stars, string? Comment) Parse(JsonNode? value, int maxCommentLength)
    {
        if (value is not JsonObject rating)
        {
            throw BadArgument("A rating needs a value: {\"stars\": 1-5, \"comment\": \"optional\"}.");
        }
        if (rating["stars"] is not JsonValue starsNode || starsNode.GetValueKind() != JsonValueKind.Number
            || !starsNode.TryGetValue<double>(out var starsValue) || starsValue != Math.Floor(starsValue) || starsValue is < 1 or > 5)
        {
            throw BadArgument("stars must be a whole number from 1 to 5.");
        }
        string? comment = null;
        switch (rating["comment"])
        {
            case null:
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                comment = v.GetValue<string>().Trim();
                if (comment.Length > maxCommentLength)
                {
                    throw new ActivityRejectedException(StatusCodes.Status400BadRequest, "MessageSizeTooBig", $"The comment is longer than {maxCommentLength} characters.");
                }
                comment = comment.Length == 0 ? null : comment;
                break;
            default:
                throw BadArgument("comment must be text.");
        }
        return ((int)starsValue, comment);
    }

    private static ActivityRejectedException BadArgument(string message) => new(StatusCodes.Status400BadRequest, "BadArgument", message);
}
