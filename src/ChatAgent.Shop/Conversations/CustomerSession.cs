using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ChatAgent.Shop.Conversations;

/// <summary>How a verification attempt ended.</summary>
public enum VerificationStatus
{
    Verified,
    /// <summary>No customer matched; attempts remain.</summary>
    NotFound,
    /// <summary>Too many failed attempts: the conversation must go to a human.</summary>
    Locked,
    /// <summary>The conversation is already verified as a different customer (one customer per conversation).</summary>
    OtherCustomer,
    /// <summary>The channel bound no identity to this conversation.</summary>
    NoBoundIdentity,
}

public sealed record VerificationResult(VerificationStatus Status, string? CustomerId, int AttemptsLeft, string Message)
{
    public bool Succeeded => Status == VerificationStatus.Verified;
}

/// <summary>The shop's view of a conversation, for the orchestrator and the agent console.</summary>
public sealed record ConversationAuthState(string ConversationId, string? VerifiedCustomerId, string? VerificationMethod, int FailedVerificationAttempts, bool NeedsHuman, string? NeedsHumanReason);

/// <summary>
/// One conversation as plugins see it: its id, the identity the channel bound to it, and its verified customer.
/// Verification state is persisted (table <c>shop_conversations</c>), so it survives restarts. Plugins receive
/// the session through their constructor; get one from <see cref="CustomerSessionFactory"/>.
/// </summary>
public sealed class CustomerSession
{
    private readonly IDbContextFactory<ShopDbContext> _db;
    private readonly ShopOptions _options;
    private readonly TimeProvider _time;

    internal CustomerSession(string conversationId, string? boundCustomerId, IDbContextFactory<ShopDbContext> db, ShopOptions options, TimeProvider time)
    {
        ConversationId = conversationId;
        BoundCustomerId = string.IsNullOrWhiteSpace(boundCustomerId) ? null : boundCustomerId.Trim();
        _db = db;
        _options = options;
        _time = time;
    }

    public string ConversationId { get; }

    /// <summary>The customer id the shop bound into the channel token (Direct Line), if any. Not verified by itself: call <see cref="VerifyFromBoundIdentityAsync"/>.</summary>
    public string? BoundCustomerId { get; }

    /// <summary>Raised when this conversation must go to a human (e.g. verification attempts exhausted). The persisted flag is in <see cref="GetStateAsync"/>.</summary>
    public event EventHandler<ConversationAuthState>? NeedsHuman;

    /// <summary>The verified customer id, or null while the customer is not verified.</summary>
    public async Task<string?> GetVerifiedCustomerIdAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await _db.CreateDbContextAsync(cancellationToken);
        return await db.Conversations.AsNoTracking().Where(c => c.Id == ConversationId).Select(c => c.VerifiedCustomerId).FirstOrDefaultAsync(cancellationToken);
    }

    public async Task<ConversationAuthState> GetStateAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await _db.CreateDbContextAsync(cancellationToken);
        var c = await db.Conversations.AsNoTracking().FirstOrDefaultAsync(c => c.Id == ConversationId, cancellationToken);
        return c is null
            ? new ConversationAuthState(ConversationId, null, null, 0, false, null)
            : new ConversationAuthState(c.Id, c.VerifiedCustomerId, c.VerificationMethod, c.FailedVerificationAttempts, c.NeedsHuman, c.NeedsHumanReason);
    }

    /// <summary>Verifies by the customer's email address (case-insensitive: the store keeps emails in lower case).</summary>
    public Task<VerificationResult> VerifyByEmailAsync(string email, CancellationToken cancellationToken = default)
    {
        var wanted = (email ?? "").Trim().ToLowerInvariant();
        return VerifyAsync("email", async db =>
        {
            if (wanted.Length == 0)
            {
                return null;
            }
            var matches = await db.Customers.Where(c => c.Email == wanted).Select(c => c.Id).Take(2).ToListAsync(cancellationToken);
            // An email shared by two accounts identifies neither.
            return matches.Count == 1 ? matches[0] : null;
        }, cancellationToken);
    }

    /// <summary>Verifies by first name, last name and the zip code of the customer's default address.</summary>
    public Task<VerificationResult> VerifyByNameAndZipAsync(string firstName, string lastName, string zip, CancellationToken cancellationToken = default)
    {
        var first = (firstName ?? "").Trim().ToLowerInvariant();
        var last = (lastName ?? "").Trim().ToLowerInvariant();
        var z = (zip ?? "").Trim();
        return VerifyAsync("name_zip", async db =>
        {
            if (first.Length == 0 || last.Length == 0 || z.Length == 0)
            {
                return null;
            }
            var matches = await db.Customers
                .Where(c => c.FirstName.ToLower() == first && c.LastName.ToLower() == last && c.Address.Zip == z)
                .Select(c => c.Id).Take(2).ToListAsync(cancellationToken);
            // Two customers with the same name and zip cannot be told apart this way: treat as no match.
            return matches.Count == 1 ? matches[0] : null;
        }, cancellationToken);
    }

    /// <summary>Verifies from the identity the shop bound into the channel token; does not count as a failed attempt when none is bound.</summary>
    public async Task<VerificationResult> VerifyFromBoundIdentityAsync(CancellationToken cancellationToken = default)
    {
        if (BoundCustomerId is null)
        {
            return new VerificationResult(VerificationStatus.NoBoundIdentity, null, await AttemptsLeftAsync(cancellationToken), "This conversation carries no signed-in customer identity; verify by email, or by first name, last name and zip code.");
        }
        var bound = BoundCustomerId;
        return await VerifyAsync("bound_identity", db => db.Customers.Where(c => c.Id == bound).Select(c => c.Id).FirstOrDefaultAsync(cancellationToken), cancellationToken);
    }

    private async Task<int> AttemptsLeftAsync(CancellationToken cancellationToken)
    {
        var state = await GetStateAsync(cancellationToken);
        return Math.Max(0, _options.MaxVerificationAttempts - state.FailedVerificationAttempts);
    }

    private async Task<VerificationResult> VerifyAsync(string method, Func<ShopDbContext, Task<string?>> find, CancellationToken cancellationToken)
    {
        // The conversation row is also updated by the confirmation gate; on a concurrent update, read it again and retry.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await VerifyOnceAsync(method, find, cancellationToken);
            }
            catch (DbUpdateException) when (attempt < 3)
            {
            }
        }
    }

    private async Task<VerificationResult> VerifyOnceAsync(string method, Func<ShopDbContext, Task<string?>> find, CancellationToken cancellationToken)
    {
        await using var db = await _db.CreateDbContextAsync(cancellationToken);
        var conversation = await GetOrCreateAsync(db, ConversationId, BoundCustomerId, _time, cancellationToken);
        var max = _options.MaxVerificationAttempts;
        if (conversation.NeedsHuman || conversation.FailedVerificationAttempts >= max)
        {
            return new VerificationResult(VerificationStatus.Locked, null, 0, "Too many failed verification attempts in this conversation. It must be handed to a human agent; no further verification is possible here.");
        }

        var customerId = await find(db);
        if (customerId is null)
        {
            conversation.FailedVerificationAttempts++;
            var left = max - conversation.FailedVerificationAttempts;
            var raised = false;
            if (left <= 0)
            {
                conversation.NeedsHuman = true;
                conversation.NeedsHumanReason = $"{max} failed verification attempts";
                raised = true;
            }
            conversation.Version++;
            await db.SaveChangesAsync(cancellationToken);
            if (raised)
            {
                NeedsHuman?.Invoke(this, new ConversationAuthState(conversation.Id, conversation.VerifiedCustomerId, conversation.VerificationMethod, conversation.FailedVerificationAttempts, true, conversation.NeedsHumanReason));
                return new VerificationResult(VerificationStatus.Locked, null, 0, "No customer matches, and the verification attempts for this conversation are used up. It must be handed to a human agent.");
            }
            return new VerificationResult(VerificationStatus.NotFound, null, left, $"No customer matches these details. {left} verification attempt(s) left.");
        }

        if (conversation.VerifiedCustomerId is not null && conversation.VerifiedCustomerId != customerId)
        {
            return new VerificationResult(VerificationStatus.OtherCustomer, null, max - conversation.FailedVerificationAttempts, "This conversation is already verified for another customer; only one customer can be helped per conversation.");
        }

        conversation.VerifiedCustomerId = customerId;
        conversation.VerificationMethod = method;
        conversation.VerifiedAt = _time.GetUtcNow();
        conversation.Version++;
        await db.SaveChangesAsync(cancellationToken);
        return new VerificationResult(VerificationStatus.Verified, customerId, max - conversation.FailedVerificationAttempts, "Customer verified.");
    }

    internal static async Task<ShopConversation> GetOrCreateAsync(ShopDbContext db, string conversationId, string? boundCustomerId, TimeProvider time, CancellationToken cancellationToken)
    {
        var conversation = await db.Conversations.FirstOrDefaultAsync(c => c.Id == conversationId, cancellationToken);
        if (conversation is null)
        {
            conversation = new ShopConversation { Id = conversationId, BoundCustomerId = boundCustomerId, CreatedAt = time.GetUtcNow() };
            db.Conversations.Add(conversation);
        }
        else if (boundCustomerId is not null && conversation.BoundCustomerId is null)
        {
            conversation.BoundCustomerId = boundCustomerId;
        }
        return conversation;
    }
}

/// <summary>Creates the <see cref="CustomerSession"/> for a conversation (cheap; state lives in the database).</summary>
public sealed class CustomerSessionFactory(IDbContextFactory<ShopDbContext> db, IOptions<ShopOptions> options, TimeProvider time)
{
    /// <param name="conversationId">The channel's conversation id.</param>
    /// <param name="boundCustomerId">The shop's customer id bound into the channel token, if the customer is signed in on the shop.</param>
    public CustomerSession Create(string conversationId, string? boundCustomerId = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(conversationId);
        return new CustomerSession(conversationId, boundCustomerId, db, options.Value, time);
    }
}
