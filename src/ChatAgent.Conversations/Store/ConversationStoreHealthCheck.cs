using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatAgent.Conversations.Store;

/// <summary>The <c>database</c> entry of <c>/health</c>: can the conversation store be reached and queried.</summary>
public sealed class ConversationStoreHealthCheck(IDbContextFactory<ConversationDbContext> contexts) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var conversations = await db.Conversations.CountAsync(cancellationToken);
            var pending = await db.Activities.CountAsync(a => a.PendingTurn, cancellationToken);
            return HealthCheckResult.Healthy($"{db.Database.ProviderName} reachable", new Dictionary<string, object>
            {
                ["provider"] = db.Database.ProviderName ?? "unknown",
                ["conversations"] = conversations,
                ["pendingTurns"] = pending,
            });
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy($"The database cannot be reached: {ex.Message}");
        }
    }
}
