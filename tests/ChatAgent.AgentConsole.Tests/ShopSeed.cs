using ChatAgent.Shop;
using ChatAgent.Shop.Conversations;
using ChatAgent.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ShopCustomer = ChatAgent.Shop.Customer;

namespace ChatAgent.AgentConsole.Tests;

/// <summary>Puts a customer with orders into the host's shop and verifies them in a conversation, as the orchestrator's plugins do.</summary>
internal static class ShopSeed
{
    public static async Task AddCustomerAsync(ChatAgentTestHost host, string id, string firstName, string lastName, string email,
        params (string OrderId, DateTimeOffset CreatedAt, OrderStatus Status, decimal[] Prices)[] orders)
    {
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<ShopDbContext>>().CreateDbContextAsync();
        db.Customers.Add(new ShopCustomer { Id = id, FirstName = firstName, LastName = lastName, Email = email, CreatedAt = DateTimeOffset.UtcNow });
        foreach (var (orderId, createdAt, status, prices) in orders)
        {
            db.Orders.Add(new Order
            {
                Id = orderId,
                CustomerId = id,
                Status = status,
                CreatedAt = createdAt,
                UpdatedAt = createdAt,
                Items = prices.Select((price, line) => new OrderItem { OrderId = orderId, Line = line, ProductId = "p1", ItemId = $"i{line}", Name = $"Item {line}", Price = price }).ToList(),
            });
        }
        await db.SaveChangesAsync();
    }

    public static async Task VerifyByEmailAsync(ChatAgentTestHost host, string conversationId, string email)
    {
        var result = await host.Services.GetRequiredService<CustomerSessionFactory>().Create(conversationId).VerifyByEmailAsync(email);
        Assert.True(result.Succeeded, result.Message);
    }
}
