using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Conversations.Store;

/// <summary>Creates or upgrades the conversation tables (both providers ship their own migrations).</summary>
public static class ConversationStoreMigrator
{
    public static async Task MigrateAsync(IDbContextFactory<ConversationDbContext> contexts, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.Database.MigrateAsync(ct);
    }
}
