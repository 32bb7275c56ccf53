using System.Text.RegularExpressions;
using ChatAgent.Host.AgentConsole;
using ChatAgent.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.AgentConsole.Tests;

/// <summary>
/// Runs alone: OpenTelemetry listens to every meter named "ChatAgent" in the process, so another test class's host
/// (its own database) would otherwise answer the queue gauge in this host's scrape.
/// </summary>
[CollectionDefinition(nameof(PrometheusTests), DisableParallelization = true)]
public sealed class PrometheusCollection;

[Collection(nameof(PrometheusTests))]
public sealed class PrometheusTests
{
    [Fact]
    public async Task Metrics_endpoint_exports_the_queue_escalations_first_responses_resolutions_and_ratings()
    {
        await using var host = await ChatAgentTestHost.StartAsync(new Dictionary<string, string?> { ["Metrics:AllowedNetworks:0"] = "127.0.0.0/8" });
        await ConsoleClient.AddAccountAsync(host, "prom-agent", "Prom Agent", "correct horse battery");
        using var agent = new ConsoleClient(host);
        await agent.SignInAsync("prom-agent", "correct horse battery");
        var desk = host.Services.GetRequiredService<AgentDesk>();

        // One case resolved and rated, one handed back, one left waiting in the queue.
        var customers = new List<Customer>();
        foreach (var reason in new[] { "prom damaged item", "prom damaged item", "prom refund outside policy" })
        {
            var customer = await Customer.StartAsync(host);
            await customer.SendAsync("a question about my parcel");
            await Customer.EscalateAsync(host, customer.ConversationId);
            await desk.RecordEscalationAsync(customer.ConversationId, reason, null, CancellationToken.None);
            customers.Add(customer);
        }
        var resolved = $"/agent/api/conversations/{customers[0].ConversationId}";
        await agent.PostOkAsync($"{resolved}/claim");
        await agent.PostOkAsync($"{resolved}/reply", new { text = "Fixed." });
        await agent.PostOkAsync($"{resolved}/resolve");
        Assert.True((await customers[0].SendEventAsync(AgentRatings.RatingEventName, new { stars = 4 })).IsSuccessStatusCode);
        var handedBack = $"/agent/api/conversations/{customers[1].ConversationId}";
        await agent.PostOkAsync($"{handedBack}/claim");
        await agent.PostOkAsync($"{handedBack}/handback");

        var scrape = await host.Http.GetStringAsync("/metrics");

        // Several hosts may run in this test process and their meters share a name, so figures are at least ours.
        AssertSeries(scrape, @"chatagent_console_queue_waiting\{[^}]*state=""unclaimed""[^}]*\} (?<v>\d+)", atLeast: 1);
        AssertSeries(scrape, @"chatagent_console_escalations_total\{[^}]*reason=""prom damaged item""[^}]*\} (?<v>\d+)", atLeast: 2);
        AssertSeries(scrape, @"chatagent_console_escalations_total\{[^}]*reason=""prom refund outside policy""[^}]*\} (?<v>\d+)", atLeast: 1);
        AssertSeries(scrape, @"chatagent_console_first_response_duration_seconds_count\{[^}]*agent=""prom-agent""[^}]*\} (?<v>\d+)", atLeast: 1);
        AssertSeries(scrape, @"chatagent_console_resolutions_total\{[^}]*outcome=""resolved""[^}]*\} (?<v>\d+)", atLeast: 1);
        AssertSeries(scrape, @"chatagent_console_resolutions_total\{[^}]*outcome=""handed_back""[^}]*\} (?<v>\d+)", atLeast: 1);
        AssertSeries(scrape, @"chatagent_console_ratings_bucket\{[^}]*le=""4""[^}]*\} (?<v>\d+)", atLeast: 1);
        AssertSeries(scrape, @"chatagent_console_ratings_sum\{?[^}\n]*\}? (?<v>\d+)", atLeast: 4);

        foreach (var c in customers)
        {
            c.Dispose();
        }
    }

    private static void AssertSeries(string scrape, string pattern, int atLeast)
    {
        var matches = Regex.Matches(scrape, pattern);
        Assert.True(matches.Count > 0, $"/metrics has no series matching {pattern}. Console series found:\n{string.Join("\n", scrape.Split('\n').Where(l => l.StartsWith("chatagent_console", StringComparison.Ordinal)))}");
        Assert.True(matches.Max(m => long.Parse(m.Groups["v"].Value, System.Globalization.CultureInfo.InvariantCulture)) >= atLeast, $"{pattern}: expected at least {atLeast} in\n{string.Join("\n", matches.Select(m => m.Value))}");
    }
}
