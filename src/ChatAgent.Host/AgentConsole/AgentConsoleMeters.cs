using System.Diagnostics.Metrics;
using ChatAgent.Conversations.Store;
using ChatAgent.ServiceDefaults;
using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Host.AgentConsole;

/// <summary>
/// The console's instruments on the <c>ChatAgent</c> meter (exported at <c>/metrics</c> by the service defaults):
/// the queue, escalations by reason, agents' first-response time, resolutions by outcome and customer ratings.
/// </summary>
public sealed class AgentConsoleMeters
{
    public const string QueueName = "chatagent.console.queue.waiting";
    public const string EscalationsName = "chatagent.console.escalations";
    public const string FirstResponseName = "chatagent.console.first_response.duration";
    public const string ResolutionsName = "chatagent.console.resolutions";
    public const string RatingsName = "chatagent.console.ratings";

    private readonly Counter<long> _escalations;
    private readonly Histogram<double> _firstResponse;
    private readonly Counter<long> _resolutions;
    private readonly Histogram<int> _ratings;

    public AgentConsoleMeters(IMeterFactory meters, IDbContextFactory<ConversationDbContext> conversationContexts, IDbContextFactory<AgentConsoleDbContext> consoleContexts)
    {
        var meter = meters.Create(ServiceDefaultsExtensions.TelemetryName);
        // Read at scrape time from the store, so the figure is right on every host of a cluster and after a restart.
        meter.CreateObservableGauge(QueueName, () => ReadQueue(conversationContexts, consoleContexts), unit: "{conversation}",
            description: "Escalated conversations in the agent queue, by whether an agent has claimed them.");
        _escalations = meter.CreateCounter<long>(EscalationsName, unit: "{conversation}",
            description: "Escalations the agent console has opened a case for, by reason.");
        _firstResponse = meter.CreateHistogram(FirstResponseName, unit: "s",
            description: "Seconds from escalation to the agent's first reply.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600] });
        _resolutions = meter.CreateCounter<long>(ResolutionsName, unit: "{conversation}",
            description: "Cases closed by an agent, by outcome (resolved, handed_back).");
        _ratings = meter.CreateHistogram(RatingsName, unit: "{star}",
            description: "Customers' ratings (1-5 stars) after an agent resolved their conversation.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 3, 4, 5] });
    }

    public void Escalated(string? reason) => _escalations.Add(1, new KeyValuePair<string, object?>("reason", ReasonTag(reason)));

    public void FirstResponse(string agent, TimeSpan sinceEscalation) =>
        _firstResponse.Record(Math.Max(0, sinceEscalation.TotalSeconds), new KeyValuePair<string, object?>("agent", agent));

    public void Closed(string outcome) => _resolutions.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Rated(int stars) => _ratings.Record(stars);

    /// <summary>Reasons are label values: free text from an integration is cut short so a bad caller cannot flood the series.</summary>
    internal static string ReasonTag(string? reason)
    {
        var trimmed = reason?.Trim().ToLowerInvariant();
        return string.IsNullOrEmpty(trimmed) ? "not given" : trimmed.Length <= 64 ? trimmed : trimmed[..64];
    }

    private static IEnumerable<Measurement<int>> ReadQueue(IDbContextFactory<ConversationDbContext> conversationContexts, IDbContextFactory<AgentConsoleDbContext> consoleContexts)
    {
        // Observable callbacks are synchronous; a scrape every few seconds reads two small indexed sets.
        try
        {
            return ReadQueueOnce(conversationContexts, consoleContexts);
        }
        catch (Exception e) when (e is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
        {
            return []; // the health check reports the database; a scrape still gets the other instruments
        }
    }

    private static Measurement<int>[] ReadQueueOnce(IDbContextFactory<ConversationDbContext> conversationContexts, IDbContextFactory<AgentConsoleDbContext> consoleContexts)
    {
        using var conversations = conversationContexts.CreateDbContext();
        var escalated = conversations.Conversations.AsNoTracking().Where(c => c.Status == ConversationStatus.Escalated).Select(c => c.Id).ToList();
        var claimed = 0;
        if (escalated.Count > 0)
        {
            using var console = consoleContexts.CreateDbContext();
            claimed = console.Cases.AsNoTracking().Count(c => escalated.Contains(c.ConversationId) && c.AssignedTo != null && c.Outcome == null);
        }
        return
        [
            new Measurement<int>(escalated.Count - claimed, new KeyValuePair<string, object?>("state", "unclaimed")),
            new Measurement<int>(claimed, new KeyValuePair<string, object?>("state", "claimed")),
        ];
    }
}
