using ChatAgent.ServiceDefaults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace ChatAgent.Host.AgentConsole;

/// <summary>A person who signs in to the agent console.</summary>
public sealed class AgentAccount
{
    public int Id { get; set; }
    /// <summary>Sign-in name, stored lower-case so "Alice" and "alice" are one account.</summary>
    public required string UserName { get; set; }
    public required string DisplayName { get; set; }
    public AgentRole Role { get; set; } = AgentRole.Agent;
    public required string PasswordHash { get; set; }
    public int FailedSignIns { get; set; }
    public DateTimeOffset? LockedUntil { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>
    /// Changes whenever existing sign-ins must end (sign-out, password or role change); every console request checks
    /// that its cookie carries the current value.
    /// </summary>
    public string SecurityStamp { get; set; } = NewSecurityStamp();

    /// <summary>A fresh random stamp.</summary>
    public static string NewSecurityStamp() => Guid.NewGuid().ToString("N");
}

/// <summary>What an account may do: agents work the queue; admins also see metrics and the whole audit log.</summary>
public enum AgentRole
{
    Agent,
    Admin,
}

/// <summary>The console's view of one escalated conversation: who has it, since when, and how it ended.</summary>
public sealed class AgentCase
{
    public required string ConversationId { get; set; }
    /// <summary>When the console first saw the conversation escalated (the queue's waiting time starts here).</summary>
    public DateTimeOffset EscalatedAt { get; set; }
    public string? Reason { get; set; }
    public string? Summary { get; set; }
    /// <summary>User name of the agent who has the conversation; null while it waits in the queue.</summary>
    public string? AssignedTo { get; set; }
    public DateTimeOffset? ClaimedAt { get; set; }
    public DateTimeOffset? FirstResponseAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    /// <summary><c>resolved</c> or <c>handed_back</c> once an agent has finished; null while open.</summary>
    public string? Outcome { get; set; }
    /// <summary>The customer's rating (1-5 stars) after an agent resolved the case; null until they rate.</summary>
    public int? Rating { get; set; }
    public string? RatingComment { get; set; }
    public DateTimeOffset? RatedAt { get; set; }
}

/// <summary>An internal note on a conversation: agents see it, the customer never does (it is not in the transcript).</summary>
public sealed class AgentNote
{
    public long Id { get; set; }
    public required string ConversationId { get; set; }
    public required string Author { get; set; }
    public required string Text { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>One agent action, kept for the audit log.</summary>
public sealed class AgentAuditEntry
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public required string Actor { get; set; }
    public required string Action { get; set; }
    public string? ConversationId { get; set; }
    public string? Detail { get; set; }
}

/// <summary>The agent console's own tables (accounts, cases, notes, audit) beside the conversation store.</summary>
public abstract class AgentConsoleDbContext(DbContextOptions options) : DbContext(options)
{
    public const string MigrationsHistoryTable = "__AgentConsoleMigrations";

    public DbSet<AgentAccount> Accounts => Set<AgentAccount>();
    public DbSet<AgentCase> Cases => Set<AgentCase>();
    public DbSet<AgentNote> Notes => Set<AgentNote>();
    public DbSet<AgentAuditEntry> Audit => Set<AgentAuditEntry>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var utc = new ValueConverter<DateTimeOffset, DateTimeOffset>(v => v.ToUniversalTime(), v => v);
        var utcOrNull = new ValueConverter<DateTimeOffset?, DateTimeOffset?>(v => v.HasValue ? v.Value.ToUniversalTime() : v, v => v);

        modelBuilder.Entity<AgentAccount>(e =>
        {
            e.ToTable("agent_accounts");
            e.HasKey(a => a.Id);
            e.Property(a => a.Id).HasColumnName("id");
            e.Property(a => a.UserName).HasColumnName("user_name").HasMaxLength(64);
            e.Property(a => a.DisplayName).HasColumnName("display_name").HasMaxLength(128);
            e.Property(a => a.Role).HasColumnName("role").HasConversion<string>().HasMaxLength(16);
            e.Property(a => a.PasswordHash).HasColumnName("password_hash").HasMaxLength(512);
            e.Property(a => a.FailedSignIns).HasColumnName("failed_sign_ins");
            e.Property(a => a.LockedUntil).HasColumnName("locked_until").HasConversion(utcOrNull);
            e.Property(a => a.CreatedAt).HasColumnName("created_at").HasConversion(utc);
            e.Property(a => a.SecurityStamp).HasColumnName("security_stamp").HasMaxLength(64);
            e.HasIndex(a => a.UserName).IsUnique();
        });

        modelBuilder.Entity<AgentCase>(e =>
        {
            e.ToTable("agent_cases");
            e.HasKey(c => c.ConversationId);
            e.Property(c => c.ConversationId).HasColumnName("conversation_id").HasMaxLength(64);
            e.Property(c => c.EscalatedAt).HasColumnName("escalated_at").HasConversion(utc);
            e.Property(c => c.Reason).HasColumnName("reason").HasMaxLength(256);
            e.Property(c => c.Summary).HasColumnName("summary").HasMaxLength(4000);
            e.Property(c => c.AssignedTo).HasColumnName("assigned_to").HasMaxLength(64);
            e.Property(c => c.ClaimedAt).HasColumnName("claimed_at").HasConversion(utcOrNull);
            e.Property(c => c.FirstResponseAt).HasColumnName("first_response_at").HasConversion(utcOrNull);
            e.Property(c => c.ClosedAt).HasColumnName("closed_at").HasConversion(utcOrNull);
            e.Property(c => c.Outcome).HasColumnName("outcome").HasMaxLength(32);
            e.Property(c => c.Rating).HasColumnName("rating");
            e.Property(c => c.RatingComment).HasColumnName("rating_comment").HasMaxLength(AgentConsoleOptions.RatingCommentLimit);
            e.Property(c => c.RatedAt).HasColumnName("rated_at").HasConversion(utcOrNull);
            e.HasIndex(c => c.AssignedTo);
        });

        modelBuilder.Entity<AgentNote>(e =>
        {
            e.ToTable("agent_notes");
            e.HasKey(n => n.Id);
            e.Property(n => n.Id).HasColumnName("id");
            e.Property(n => n.ConversationId).HasColumnName("conversation_id").HasMaxLength(64);
            e.Property(n => n.Author).HasColumnName("author").HasMaxLength(64);
            e.Property(n => n.Text).HasColumnName("text").HasMaxLength(8000);
            e.Property(n => n.CreatedAt).HasColumnName("created_at").HasConversion(utc);
            e.HasIndex(n => n.ConversationId);
        });

        modelBuilder.Entity<AgentAuditEntry>(e =>
        {
            e.ToTable("agent_audit");
            e.HasKey(a => a.Id);
            e.Property(a => a.Id).HasColumnName("id");
            e.Property(a => a.At).HasColumnName("at").HasConversion(utc);
            e.Property(a => a.Actor).HasColumnName("actor").HasMaxLength(64);
            e.Property(a => a.Action).HasColumnName("action").HasMaxLength(32);
            e.Property(a => a.ConversationId).HasColumnName("conversation_id").HasMaxLength(64);
            e.Property(a => a.Detail).HasColumnName("detail").HasMaxLength(1000);
            e.HasIndex(a => a.ConversationId);
            e.HasIndex(a => a.At);
        });
    }
}

public sealed class SqliteAgentConsoleDbContext(DbContextOptions<SqliteAgentConsoleDbContext> options) : AgentConsoleDbContext(options);

public sealed class PostgresAgentConsoleDbContext(DbContextOptions<PostgresAgentConsoleDbContext> options) : AgentConsoleDbContext(options);

/// <summary>Lets <c>dotnet ef migrations add X --context SqliteAgentConsoleDbContext</c> build the context without the host.</summary>
public sealed class SqliteAgentConsoleDbContextFactory : IDesignTimeDbContextFactory<SqliteAgentConsoleDbContext>
{
    public SqliteAgentConsoleDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteAgentConsoleDbContext>()
            .UseChatAgentDatabase(DatabaseProvider.Sqlite, "Data Source=design.db", AgentConsoleDbContext.MigrationsHistoryTable).Options);
}

/// <summary>Design-time factory for the PostgreSQL migrations (no server is contacted).</summary>
public sealed class PostgresAgentConsoleDbContextFactory : IDesignTimeDbContextFactory<PostgresAgentConsoleDbContext>
{
    public PostgresAgentConsoleDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresAgentConsoleDbContext>()
            .UseChatAgentDatabase(DatabaseProvider.Postgres, "Host=localhost;Database=design", AgentConsoleDbContext.MigrationsHistoryTable).Options);
}
