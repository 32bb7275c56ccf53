using ChatAgent.ServiceDefaults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.Conversations.Store;

public static class ConversationStoreExtensions
{
    /// <summary>Registers the conversation store on the configured provider (<c>Database:Provider</c>).</summary>
    public static IServiceCollection AddConversationStore(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        var options = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var connectionString = DatabaseExtensions.ResolveConnectionString(configuration, options.Provider, contentRoot);
        if (options.Provider == DatabaseProvider.Postgres)
        {
            services.AddDbContextFactory<PostgresConversationDbContext>(o => o.UseChatAgentDatabase(options.Provider, connectionString, ConversationDbContext.MigrationsHistoryTable));
            services.AddSingleton<IDbContextFactory<ConversationDbContext>, FactoryOf<PostgresConversationDbContext>>();
        }
        else
        {
            services.AddDbContextFactory<SqliteConversationDbContext>(o => o.UseChatAgentDatabase(options.Provider, connectionString, ConversationDbContext.MigrationsHistoryTable));
            services.AddSingleton<IDbContextFactory<ConversationDbContext>, FactoryOf<SqliteConversationDbContext>>();
        }
        services.AddSingleton<ConversationStore>();
        services.AddSingleton(TimeProvider.System);
        return services;
    }

    private sealed class FactoryOf<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<ConversationDbContext>
        where TContext : ConversationDbContext
    {
        public ConversationDbContext CreateDbContext() => inner.CreateDbContext();
    }
}
