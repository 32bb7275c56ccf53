using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ChatAgent.Host.AgentConsole;

/// <summary>The outcome of a sign-in attempt.</summary>
public enum SignInResult
{
    Succeeded,
    Failed,
    LockedOut,
}

/// <summary>An account as the console and the CLI show it (never the hash).</summary>
public sealed record AgentSummary(string UserName, string DisplayName, AgentRole Role, DateTimeOffset? LockedUntil);

/// <summary>Agent and admin accounts: passwords hashed with ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/>, lock-out after repeated failures.</summary>
public sealed partial class AgentAccounts(IDbContextFactory<AgentConsoleDbContext> contexts, IOptions<AgentConsoleOptions> options, TimeProvider clock)
{
    public const int MinPasswordLength = 8;
    private readonly PasswordHasher<AgentAccount> _hasher = new();

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex UserNamePattern();

    /// <summary>Lower-cases and checks a user name; throws <see cref="ArgumentException"/> with a readable message.</summary>
    public static string NormalizeUserName(string userName)
    {
        var normalized = (userName ?? string.Empty).Trim().ToLowerInvariant();
        if (!UserNamePattern().IsMatch(normalized))
        {
            throw new ArgumentException("A user name is 1-64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit.");
        }
        return normalized;
    }

    /// <summary>Creates an account; throws <see cref="ArgumentException"/> for a bad name or password, <see cref="InvalidOperationException"/> if it exists.</summary>
    public async Task<AgentSummary> AddAsync(string userName, string displayName, string password, AgentRole role, CancellationToken ct)
    {
        var name = NormalizeUserName(userName);
        if (string.IsNullOrWhiteSpace(displayName) || displayName.Trim().Length > 128)
        {
            throw new ArgumentException("The display name must be 1-128 characters.");
        }
        if (string.IsNullOrEmpty(password) || password.Length < MinPasswordLength)
        {
            throw new ArgumentException($"The password must be at least {MinPasswordLength} characters.");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await db.Accounts.AnyAsync(a => a.UserName == name, ct))
        {
            throw new InvalidOperationException($"An account named '{name}' already exists.");
        }
        var account = new AgentAccount { UserName = name, DisplayName = displayName.Trim(), Role = role, PasswordHash = string.Empty, CreatedAt = clock.GetUtcNow() };
        account.PasswordHash = _hasher.HashPassword(account, password);
        db.Accounts.Add(account);
        await db.SaveChangesAsync(ct);
        return ToSummary(account);
    }

    public async Task<IReadOnlyList<AgentSummary>> ListAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var accounts = await db.Accounts.AsNoTracking().OrderBy(a => a.UserName).ToListAsync(ct);
        return accounts.Select(ToSummary).ToList();
    }

    public async Task<AgentSummary?> FindAsync(string userName, CancellationToken ct)
    {
        string name;
        try
        {
            name = NormalizeUserName(userName);
        }
        catch (ArgumentException)
        {
            return null;
        }
        await using var db = await contexts.CreateDbContextAsync(ct);
        var account = await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.UserName == name, ct);
        return account is null ? null : ToSummary(account);
    }

    /// <summary>Deletes the account; false when there was none.</summary>
    public async Task<bool> RemoveAsync(string userName, CancellationToken ct)
    {
        var name = NormalizeUserName(userName);
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Accounts.Where(a => a.UserName == name).ExecuteDeleteAsync(ct) > 0;
    }

    /// <summary>
    /// Checks a password. Failures count towards the lock-out; a locked account is refused even with the right password
    /// until the lock expires. An unknown name costs a hash too, so timing does not tell which names exist.
    /// </summary>
    public async Task<(SignInResult Result, AgentSummary? Account)> SignInAsync(string userName, string password, CancellationToken ct)
    {
        string name;
        try
        {
            name = NormalizeUserName(userName);
        }
        catch (ArgumentException)
        {
            name = string.Empty;
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var account = name.Length == 0 ? null : await db.Accounts.FirstOrDefaultAsync(a => a.UserName == name, ct);
        if (account is null)
        {
            _hasher.VerifyHashedPassword(Dummy, Dummy.PasswordHash, password ?? string.Empty);
            return (SignInResult.Failed, null);
        }

        var now = clock.GetUtcNow();
        if (account.LockedUntil is { } until && until > now)
        {
            return (SignInResult.LockedOut, null);
        }

        var verdict = _hasher.VerifyHashedPassword(account, account.PasswordHash, password ?? string.Empty);
        if (verdict == PasswordVerificationResult.Failed)
        {
            account.FailedSignIns++;
            var locked = account.FailedSignIns >= options.Value.MaxFailedSignIns;
            if (locked)
            {
                account.LockedUntil = now.AddMinutes(options.Value.LockoutMinutes);
                account.FailedSignIns = 0;
            }
            await db.SaveChangesAsync(ct);
            return (locked ? SignInResult.LockedOut : SignInResult.Failed, null);
        }

        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            account.PasswordHash = _hasher.HashPassword(account, password!);
        }
        account.FailedSignIns = 0;
        account.LockedUntil = null;
        await db.SaveChangesAsync(ct);
        return (SignInResult.Succeeded, ToSummary(account));
    }

    private static readonly AgentAccount Dummy = CreateDummy();

    private static AgentAccount CreateDummy()
    {
        var dummy = new AgentAccount { UserName = "-", DisplayName = "-", PasswordHash = string.Empty };
        dummy.PasswordHash = new PasswordHasher<AgentAccount>().HashPassword(dummy, Guid.NewGuid().ToString());
        return dummy;
    }

    private static AgentSummary ToSummary(AgentAccount a) => new(a.UserName, a.DisplayName, a.Role, a.LockedUntil);
}
