using ChatAgent.Shop;
using ChatAgent.Shop.Conversations;
using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Host.AgentConsole;

/// <summary>The customer beside a conversation: verified by the shop (<see cref="CustomerSession"/>) or not, with recent orders.</summary>
public sealed record CustomerPanel(
    string ConversationId,
    bool Verified,
    string? CustomerId,
    string? Name,
    string? Email,
    string? VerificationMethod,
    DateTimeOffset? VerifiedAt,
    int FailedVerificationAttempts,
    IReadOnlyList<RecentOrder> RecentOrders);

public sealed record RecentOrder(string OrderId, DateTimeOffset CreatedAt, string Status, decimal Total);

/// <summary>Reads the verified customer the way the orchestrator's plugins do: from the shop's conversation state, never from the chat text.</summary>
public sealed class AgentCustomerPanel(CustomerSessionFactory sessions, IDbContextFactory<ShopDbContext> shopContexts)
{
    /// <summary>How many of the customer's newest orders the panel lists.</summary>
    public const int RecentOrderCount = 5;

    public async Task<CustomerPanel> GetAsync(string conversationId, CancellationToken ct)
    {
        var state = await sessions.Create(conversationId).GetStateAsync(ct);
        if (state.VerifiedCustomerId is not { } customerId)
        {
            return new CustomerPanel(conversationId, false, null, null, null, null, null, state.FailedVerificationAttempts, []);
        }

        await using var db = await shopContexts.CreateDbContextAsync(ct);
        var customer = await db.Customers.AsNoTracking().FirstOrDefaultAsync(c => c.Id == customerId, ct);
        var verifiedAt = await db.Conversations.AsNoTracking().Where(c => c.Id == conversationId).Select(c => c.VerifiedAt).FirstOrDefaultAsync(ct);
        var orders = await db.Orders.AsNoTracking().Include(o => o.Items)
            .Where(o => o.CustomerId == customerId)
            .OrderByDescending(o => o.CreatedAt).ThenBy(o => o.Id)
            .Take(RecentOrderCount)
            .ToListAsync(ct);
        return new CustomerPanel(conversationId, true, customerId,
            customer is null ? null : $"{customer.FirstName} {customer.LastName}".Trim(),
            customer?.Email, state.VerificationMethod, verifiedAt, state.FailedVerificationAttempts,
            orders.Select(o => new RecentOrder(o.Id, o.CreatedAt, o.Status.ToDisplay(), o.Total)).ToList());
    }
}
