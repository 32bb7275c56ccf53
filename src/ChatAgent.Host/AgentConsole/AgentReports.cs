using System.Globalization;
using System.Text;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Store;
using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Host.AgentConsole;

/// <summary>One row of the history search.</summary>
public sealed record HistoryItem(string ConversationId, string Customer, string Status, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    string? Reason, string? AssignedTo, string? Outcome, int? Rating = null);

/// <summary>History filters; every one is optional.</summary>
public sealed record HistoryQuery(string? Status, string? Customer, string? Text, string? Reason, DateOnly? From, DateOnly? To, int Limit = 100);

/// <summary>Service figures for admins over a period of days (UTC).</summary>
public sealed record ServiceMetrics(
    DateOnly From,
    DateOnly To,
    int Conversations,
    int Escalated,
    double EscalationRate,
    double DeflectionRate,
    IReadOnlyList<DayCount> ConversationsPerDay,
    IReadOnlyList<ReasonCount> EscalationReasons,
    IReadOnlyList<AgentFigures> Agents,
    RatingFigures Ratings);

/// <summary>Customers' ratings of resolved cases: how many, the mean, and how many of each star (1 to 5).</summary>
public sealed record RatingFigures(int Count, double? Average, IReadOnlyList<StarCount> Distribution);

public sealed record StarCount(int Stars, int Ratings);

public sealed record DayCount(DateOnly Day, int Conversations);

public sealed record ReasonCount(string Reason, int Conversations);

/// <summary>First response and resolution are measured from the escalation, in seconds.</summary>
public sealed record AgentFigures(string Agent, int Cases, int Resolved, int HandedBack, double? AverageFirstResponseSeconds, double? AverageResolutionSeconds,
    int Rated = 0, double? AverageRating = null);

/// <summary>History search, transcript export and service metrics, read from the conversation store and the console's cases.</summary>
public sealed class AgentReports(IDbContextFactory<AgentConsoleDbContext> consoleContexts, IDbContextFactory<ConversationDbContext> conversationContexts)
{
    public async Task<IReadOnlyList<HistoryItem>> SearchAsync(HistoryQuery query, CancellationToken ct)
    {
        ConversationStatus? status = null;
        if (!string.IsNullOrWhiteSpace(query.Status))
        {
            status = Enum.TryParse<ConversationStatus>(query.Status, ignoreCase: true, out var parsed)
                ? parsed
                : throw new AgentDeskException(StatusCodes.Status400BadRequest, "BadArgument", "status must be active, escalated or ended.");
        }

        await using var db = await conversationContexts.CreateDbContextAsync(ct);
        var conversations = db.Conversations.AsNoTracking().AsQueryable();
        if (status is { } s)
        {
            conversations = conversations.Where(c => c.Status == s);
        }
        if (!string.IsNullOrWhiteSpace(query.Customer))
        {
            var customer = query.Customer.Trim().ToLower(CultureInfo.InvariantCulture);
            conversations = conversations.Where(c => c.UserId != null && c.UserId.ToLower().Contains(customer));
        }
        if (!string.IsNullOrWhiteSpace(query.Text))
        {
            var text = query.Text.Trim().ToLower(CultureInfo.InvariantCulture);
            var withText = db.Activities.Where(a => a.Type == ActivityTypes.Message && a.Json.ToLower().Contains(text)).Select(a => a.ConversationId);
            conversations = conversations.Where(c => withText.Contains(c.Id));
        }
        // Dates are filtered here: SQLite cannot compare DateTimeOffset columns in SQL.
        var rows = await conversations.ToListAsync(ct);
        rows = rows.Where(c => InPeriod(c.CreatedAt, query.From, query.To)).ToList();

        await using var console = await consoleContexts.CreateDbContextAsync(ct);
        var ids = rows.Select(r => r.Id).ToList();
        var cases = await console.Cases.AsNoTracking().Where(c => ids.Contains(c.ConversationId)).ToDictionaryAsync(c => c.ConversationId, ct);
        var items = rows.Select(r =>
        {
            var @case = cases.GetValueOrDefault(r.Id);
            return new HistoryItem(r.Id, r.UserId ?? "anonymous visitor", r.Status.ToString(), r.CreatedAt, r.UpdatedAt, @case?.Reason, @case?.AssignedTo, @case?.Outcome, @case?.Rating);
        });
        if (!string.IsNullOrWhiteSpace(query.Reason))
        {
            items = items.Where(i => i.Reason?.Contains(query.Reason.Trim(), StringComparison.OrdinalIgnoreCase) == true);
        }
        return items.OrderByDescending(i => i.UpdatedAt).Take(Math.Clamp(query.Limit, 1, 1000)).ToList();
    }

    /// <summary>The transcript as plain text: one line per message, <c>[time] who: text</c>, events as their name.</summary>
    public static string ToText(ConversationDetail detail)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Conversation {detail.ConversationId} ({detail.ChannelId}), customer {detail.Customer}, status {detail.Status}");
        if (detail.Case?.Reason is { } reason)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Escalation reason: {reason}");
        }
        if (detail.Case?.Rating is { } stars)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Customer rating: {stars}/5{(detail.Case.RatingComment is { } comment ? $" \"{comment}\"" : "")}");
        }
        foreach (var a in detail.Activities)
        {
            var time = a.Timestamp?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "";
            var who = (a.ChannelData as System.Text.Json.Nodes.JsonObject)?["sender"]?.ToJsonString() == "\"agent\"" ? $"{a.From?.Name} (agent)"
                : a.From?.Role == RoleTypes.User ? "Customer"
                : "Bot";
            text.AppendLine(a.Type == ActivityTypes.Message
                ? $"[{time}] {who}: {a.Text}"
                : $"[{time}] ({a.Type}{(a.Name is null ? "" : ": " + a.Name)}){(a.Value is null ? "" : " " + a.Value.ToJsonString())}");
        }
        return text.ToString();
    }

    public async Task<ServiceMetrics> GetMetricsAsync(DateOnly from, DateOnly to, CancellationToken ct)
    {
        if (to < from)
        {
            throw new AgentDeskException(StatusCodes.Status400BadRequest, "BadArgument", "'to' is before 'from'.");
        }
        await using var db = await conversationContexts.CreateDbContextAsync(ct);
        var conversations = (await db.Conversations.AsNoTracking().Select(c => new { c.Id, c.Status, c.CreatedAt }).ToListAsync(ct))
            .Where(c => InPeriod(c.CreatedAt, from, to)).ToList();
        var ids = conversations.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);

        await using var console = await consoleContexts.CreateDbContextAsync(ct);
        var cases = (await console.Cases.AsNoTracking().ToListAsync(ct)).Where(c => ids.Contains(c.ConversationId)).ToList();
        var escalatedIds = cases.Select(c => c.ConversationId)
            .Concat(conversations.Where(c => c.Status == ConversationStatus.Escalated).Select(c => c.Id))
            .ToHashSet(StringComparer.Ordinal);

        var total = conversations.Count;
        var perDay = new List<DayCount>();
        var byDay = conversations.GroupBy(c => DateOnly.FromDateTime(c.CreatedAt.UtcDateTime)).ToDictionary(g => g.Key, g => g.Count());
        for (var day = from; day <= to; day = day.AddDays(1))
        {
            perDay.Add(new DayCount(day, byDay.GetValueOrDefault(day)));
        }

        var reasons = cases.GroupBy(c => c.Reason ?? "not given")
            .Select(g => new ReasonCount(g.Key, g.Count()))
            .OrderByDescending(r => r.Conversations).ThenBy(r => r.Reason, StringComparer.Ordinal).ToList();

        var agents = cases.Where(c => c.AssignedTo is not null).GroupBy(c => c.AssignedTo!)
            .Select(g => new AgentFigures(
                g.Key,
                g.Count(),
                g.Count(c => c.Outcome == AgentDesk.OutcomeResolved),
                g.Count(c => c.Outcome == AgentDesk.OutcomeHandedBack),
                Average(g.Where(c => c.FirstResponseAt is not null).Select(c => (c.FirstResponseAt!.Value - c.EscalatedAt).TotalSeconds)),
                Average(g.Where(c => c.ClosedAt is not null).Select(c => (c.ClosedAt!.Value - c.EscalatedAt).TotalSeconds)),
                g.Count(c => c.Rating is not null),
                Average(g.Where(c => c.Rating is not null).Select(c => (double)c.Rating!.Value))))
            .OrderBy(a => a.Agent, StringComparer.Ordinal).ToList();

        var rated = cases.Where(c => c.Rating is not null).Select(c => c.Rating!.Value).ToList();
        var ratings = new RatingFigures(rated.Count, rated.Count == 0 ? null : Math.Round(rated.Average(), 2),
            Enumerable.Range(1, 5).Select(stars => new StarCount(stars, rated.Count(r => r == stars))).ToList());

        var escalated = escalatedIds.Count;
        return new ServiceMetrics(from, to, total, escalated,
            total == 0 ? 0 : (double)escalated / total,
            total == 0 ? 0 : (double)(total - escalated) / total,
            perDay, reasons, agents, ratings);
    }

    private static double? Average(IEnumerable<double> values)
    {
        var list = values.ToList();
        return list.Count == 0 ? null : Math.Round(list.Average(), 1);
    }

    private static bool InPeriod(DateTimeOffset at, DateOnly? from, DateOnly? to)
    {
        var day = DateOnly.FromDateTime(at.UtcDateTime);
        return (from is null || day >= from) && (to is null || day <= to);
    }
}
