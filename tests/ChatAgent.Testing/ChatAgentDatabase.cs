using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Store;
using ChatAgent.ServiceDefaults;
using ChatAgent.Shop;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.Testing;

/// <summary>
/// The database of a host run as a process (<see cref="ChatAgentProcess"/>), opened from the test itself: to read what
/// the host stored — while it runs, after it was killed, after its restart — without going through the host.
/// </summary>
public sealed class ChatAgentDatabase : IDisposable
{
    private readonly ServiceProvider _services;

    public ChatAgentDatabase(DatabaseProvider provider, string connectionString)
    {
        Provider = provider;
        ConnectionString = connectionString;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings).Build();
        _services = new ServiceCollection().AddConversationStore(configuration, RepositoryPaths.Root).BuildServiceProvider();
        Shop = new ShopDbContextFactory(provider, connectionString);
    }

    public DatabaseProvider Provider { get; }
    public string ConnectionString { get; }

    /// <summary>The host settings that point it at this database.</summary>
    public Dictionary<string, string?> Settings => new()
    {
        ["Database:Provider"] = Provider.ToString(),
        ["ConnectionStrings:ChatAgent"] = ConnectionString,
    };

    /// <summary>Conversations and transcripts.</summary>
    public ConversationStore Conversations => _services.GetRequiredService<ConversationStore>();

    /// <summary>The shop: customers, orders, proposed changes.</summary>
    public IDbContextFactory<ShopDbContext> Shop { get; }

    /// <summary>The whole stored transcript of a conversation, oldest first.</summary>
    public async Task<IReadOnlyList<Activity>> TranscriptAsync(string conversationId) =>
        (await Conversations.GetActivitiesAsync(conversationId, 0, 100_000, CancellationToken.None)).Select(s => s.Activity).ToList();

    /// <summary>Ids of the customer messages of a conversation still waiting for their turn.</summary>
    public async Task<IReadOnlyList<string>> PendingTurnsAsync(string conversationId) =>
        (await Conversations.GetPendingTurnsAsync(conversationId, CancellationToken.None)).Select(p => p.Activity.Id!).ToList();

    public void Dispose() => _services.Dispose();
}
