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
public sealed record AgentSummary(string UserName, string DisplayName, AgentRole Role, DateTimeOffset? LockedUntil)
{
    /// <summary>The account's current security stamp (goes into the console cookie; never shown).</summary>
    internal string SecurityStamp { get; init; } = string.Empty;

    /// <summary>The account's number: customers see replies from <c>agent:&lt;number&gt;</c>, never the sign-in name.</summary>
    public int AccountId { get; init; }
}

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
        CheckPassword(password);

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

    public async Task<AgentSummary?> FindAsync(string userName, CancellationToken ct) =>
        await FindAccountAsync(userName, ct) is { } account ? ToSummary(account) : null;

    /// <summary>Deletes the account; false when there was none.</summary>
    public async Task<bool> RemoveAsync(string userName, CancellationToken ct)
    {
        var name = NormalizeUserName(userName);
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Accounts.Where(a => a.UserName == name).ExecuteDeleteAsync(ct) > 0;
    }

    /// <summary>
    /// Checks a password. Failures count towards the lock-out, atomically: each attempt first takes one of the
    /// <c>MaxFailedSignIns</c> slots in a single UPDATE, so parallel guesses cannot get more tries than the limit. A
    /// locked account is refused even with the right password until the lock expires. An unknown name costs a hash
    /// too, so timing does not tell which names exist.
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
        var account = name.Length == 0 ? null : await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.UserName == name, ct);
        if (account is null)
        {
            _hasher.VerifyHashedPassword(Dummy, Dummy.PasswordHash, password ?? string.Empty);
            return (SignInResult.Failed, null);
        }

        var now = clock.GetUtcNow();
        if (account.LockedUntil is { } until)
        {
            if (until > now)
            {
                return (SignInResult.LockedOut, null);
            }
            // The lock has expired: one request clears it (the others find it already cleared).
            await db.Accounts.Where(a => a.Id == account.Id && a.LockedUntil != null)
                .ExecuteUpdateAsync(u => u.SetProperty(a => a.FailedSignIns, 0).SetProperty(a => a.LockedUntil, (DateTimeOffset?)null), ct);
        }

        var max = options.Value.MaxFailedSignIns;
        var reserved = await db.Accounts.Where(a => a.Id == account.Id && a.LockedUntil == null && a.FailedSignIns < max)
            .ExecuteUpdateAsync(u => u.SetProperty(a => a.FailedSignIns, a => a.FailedSignIns + 1), ct);
        if (reserved == 0)
        {
            // Parallel attempts used up the tries: lock (if nobody has yet) and refuse without checking the password.
            await LockAsync(db, account.Id, now, ct);
            return (SignInResult.LockedOut, null);
        }

        var verdict = _hasher.VerifyHashedPassword(account, account.PasswordHash, password ?? string.Empty);
        if (verdict == PasswordVerificationResult.Failed)
        {
            var failures = await db.Accounts.Where(a => a.Id == account.Id).Select(a => a.FailedSignIns).FirstOrDefaultAsync(ct);
            if (failures >= max)
            {
                await LockAsync(db, account.Id, now, ct);
                return (SignInResult.LockedOut, null);
            }
            return (SignInResult.Failed, null);
        }

        var hash = verdict == PasswordVerificationResult.SuccessRehashNeeded ? _hasher.HashPassword(account, password!) : account.PasswordHash;
        var stamp = string.IsNullOrEmpty(account.SecurityStamp) ? AgentAccount.NewSecurityStamp() : account.SecurityStamp;
        await db.Accounts.Where(a => a.Id == account.Id).ExecuteUpdateAsync(u => u
            .SetProperty(a => a.FailedSignIns, 0)
            .SetProperty(a => a.LockedUntil, (DateTimeOffset?)null)
            .SetProperty(a => a.PasswordHash, hash)
            .SetProperty(a => a.SecurityStamp, stamp), ct);
        account.SecurityStamp = stamp;
        return (SignInResult.Succeeded, ToSummary(account));
    }

    private Task<int> LockAsync(AgentConsoleDbContext db, int id, DateTimeOffset now, CancellationToken ct) =>
        db.Accounts.Where(a => a.Id == id && a.LockedUntil == null)
            .ExecuteUpdateAsync(u => u.SetProperty(a => a.LockedUntil, (DateTimeOffset?)now.AddMinutes(options.Value.LockoutMinutes)), ct);

    /// <summary>Ends every existing sign-in of the account (its cookies stop working at their next request); false when there is no such account.</summary>
    public async Task<bool> RevokeSessionsAsync(string userName, CancellationToken ct)
    {
        var name = NormalizeUserName(userName);
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Accounts.Where(a => a.UserName == name)
            .ExecuteUpdateAsync(u => u.SetProperty(a => a.SecurityStamp, AgentAccount.NewSecurityStamp()), ct) > 0;
    }

    /// <summary>Makes the account an agent or an admin; its existing sign-ins end. False when there is no such account.</summary>
    public async Task<bool> SetRoleAsync(string userName, AgentRole role, CancellationToken ct)
    {
        var name = NormalizeUserName(userName);
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Accounts.Where(a => a.UserName == name)
            .ExecuteUpdateAsync(u => u.SetProperty(a => a.Role, role).SetProperty(a => a.SecurityStamp, AgentAccount.NewSecurityStamp()), ct) > 0;
    }

    /// <summary>Sets a new password and clears any lock; existing sign-ins end. False when there is no such account.</summary>
    public async Task<bool> SetPasswordAsync(string userName, string password, CancellationToken ct)
    {
        var name = NormalizeUserName(userName);
        CheckPassword(password);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var account = await db.Accounts.FirstOrDefaultAsync(a => a.UserName == name, ct);
        if (account is null)
        {
            return false;
        }
        account.PasswordHash = _hasher.HashPassword(account, password);
        account.SecurityStamp = AgentAccount.NewSecurityStamp();
        account.FailedSignIns = 0;
        account.LockedUntil = null;
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>
    /// The account behind a console cookie, read from the store on every request: null when it was removed or its
    /// sign-ins were ended (the cookie's stamp is no longer the account's).
    /// </summary>
    public async Task<AgentSummary?> FindSessionAsync(string userName, string? securityStamp, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(securityStamp))
        {
            return null;
        }
        var account = await FindAccountAsync(userName, ct);
        return account is not null && string.Equals(account.SecurityStamp, securityStamp, StringComparison.Ordinal) ? ToSummary(account) : null;
    }

    /// <summary>The stored account for a user name (read fresh, untracked), or null for an unknown or malformed name.</summary>
    private async Task<AgentAccount?> FindAccountAsync(string userName, CancellationToken ct)
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
        return await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.UserName == name, ct);
    }

    private static void CheckPassword(string password)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinPasswordLength)
        {
            throw new ArgumentException($"The password must be at least {MinPasswordLength} characters.");
        }
    }

    private static readonly AgentAccount Dummy = CreateDummy();

    private static AgentAccount CreateDummy()
    {
        var dummy = new AgentAccount { UserName = "-", DisplayName = "-", PasswordHash = string.Empty };
        dummy.PasswordHash = new PasswordHasher<AgentAccount>().HashPassword(dummy, Guid.NewGuid().ToString());
        return dummy;
    }

    private static AgentSummary ToSummary(AgentAccount a) => new(a.UserName, a.DisplayName, a.Role, a.LockedUntil) { SecurityStamp = a.SecurityStamp, AccountId = a.Id };
}
