using ChatAgent.ServiceDefaults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace ChatAgent.Conversations.Store;

/// <summary>
/// Conversations and their transcripts. One subclass per provider carries that provider's migrations; names
/// are fixed snake_case so the few raw statements (sequence allocation) read the same on both engines.
/// </summary>
public abstract class ConversationDbContext(DbContextOptions options) : DbContext(options)
{
    public const string MigrationsHistoryTable = "__ConversationMigrations";

    public DbSet<ConversationRecord> Conversations => Set<ConversationRecord>();
    public DbSet<ActivityRecord> Activities => Set<ActivityRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        // DateTimeOffset as UTC ticks-free ISO text on SQLite sorts correctly; PostgreSQL uses timestamptz.
        var utc = new ValueConverter<DateTimeOffset, DateTimeOffset>(v => v.ToUniversalTime(), v => v);

        modelBuilder.Entity<ConversationRecord>(e =>
        {
            e.ToTable("conversations");
            e.HasKey(c => c.Id);
            e.Property(c => c.Id).HasColumnName("id").HasMaxLength(64);
            e.Property(c => c.ChannelId).HasColumnName("channel_id").HasMaxLength(64);
            e.Property(c => c.ServiceUrl).HasColumnName("service_url").HasMaxLength(2048);
            e.Property(c => c.UserId).HasColumnName("user_id").HasMaxLength(256);
            e.Property(c => c.Status).HasColumnName("status").HasConversion<string>().HasMaxLength(16);
            e.Property(c => c.LastSequence).HasColumnName("last_sequence");
            e.Property(c => c.CreatedAt).HasColumnName("created_at").HasConversion(utc);
            e.Property(c => c.UpdatedAt).HasColumnName("updated_at").HasConversion(utc);
            e.HasIndex(c => c.UpdatedAt);
            e.HasIndex(c => c.Status);
        });

        modelBuilder.Entity<ActivityRecord>(e =>
        {
            e.ToTable("activities");
            e.HasKey(a => new { a.ConversationId, a.Sequence });
            e.Property(a => a.ConversationId).HasColumnName("conversation_id").HasMaxLength(64);
            e.Property(a => a.Sequence).HasColumnName("sequence");
            e.Property(a => a.ActivityId).HasColumnName("activity_id").HasMaxLength(96);
            e.Property(a => a.Type).HasColumnName("type").HasMaxLength(64);
            e.Property(a => a.FromId).HasColumnName("from_id").HasMaxLength(256);
            e.Property(a => a.FromRole).HasColumnName("from_role").HasMaxLength(32);
            e.Property(a => a.Timestamp).HasColumnName("timestamp").HasConversion(utc);
            e.Property(a => a.PendingTurn).HasColumnName("pending_turn");
            e.Property(a => a.Json).HasColumnName("json");
            e.HasIndex(a => a.ActivityId).IsUnique();
            e.HasIndex(a => a.PendingTurn).HasFilter("pending_turn");
            e.HasOne<ConversationRecord>().WithMany().HasForeignKey(a => a.ConversationId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}

public sealed class SqliteConversationDbContext(DbContextOptions<SqliteConversationDbContext> options) : ConversationDbContext(options);

public sealed class PostgresConversationDbContext(DbContextOptions<PostgresConversationDbContext> options) : ConversationDbContext(options);

/// <summary>Lets <c>dotnet ef migrations add X --context SqliteConversationDbContext</c> build the context without the host.</summary>
public sealed class SqliteConversationDbContextFactory : IDesignTimeDbContextFactory<SqliteConversationDbContext>
{
    public SqliteConversationDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteConversationDbContext>()
            .UseChatAgentDatabase(DatabaseProvider.Sqlite, "Data Source=design.db", ConversationDbContext.MigrationsHistoryTable).Options);
}

/// <summary>Design-time factory for the PostgreSQL migrations (no server is contacted).</summary>
public sealed class PostgresConversationDbContextFactory : IDesignTimeDbContextFactory<PostgresConversationDbContext>
{
    public PostgresConversationDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresConversationDbContext>()
            .UseChatAgentDatabase(DatabaseProvider.Postgres, "Host=localhost;Database=design", ConversationDbContext.MigrationsHistoryTable).Options);
}
