namespace ChatAgent.Shop;

/// <summary>Order lifecycle. <see cref="PendingItemsModified"/> is a pending order whose items were already changed once (τ-retail "pending (item modified)").</summary>
public enum OrderStatus
{
    Pending,
    PendingItemsModified,
    Processed,
    Delivered,
    Cancelled,
    ReturnRequested,
    ExchangeRequested,
}

public static class OrderStatusNames
{
    /// <summary>The wording customers and τ-retail use ("pending", "return requested", ...).</summary>
    public static string ToDisplay(this OrderStatus status) => status switch
    {
        OrderStatus.Pending => "pending",
        OrderStatus.PendingItemsModified => "pending (item modified)",
        OrderStatus.Processed => "processed",
        OrderStatus.Delivered => "delivered",
        OrderStatus.Cancelled => "cancelled",
        OrderStatus.ReturnRequested => "return requested",
        OrderStatus.ExchangeRequested => "exchange requested",
        _ => status.ToString(),
    };

    public static bool TryParse(string? text, out OrderStatus status)
    {
        foreach (var s in Enum.GetValues<OrderStatus>())
        {
            if (string.Equals(s.ToDisplay(), text?.Trim(), StringComparison.OrdinalIgnoreCase) || string.Equals(s.ToString(), text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                status = s;
                return true;
            }
        }
        status = default;
        return false;
    }
}

/// <summary>An order; <see cref="Id"/> is the public order id, e.g. <c>#W2611340</c>.</summary>
public sealed class Order
{
    public required string Id { get; set; }
    public required string CustomerId { get; set; }
    public Customer? Customer { get; set; }
    public OrderStatus Status { get; set; }
    public Address ShippingAddress { get; set; } = new();
    public List<OrderItem> Items { get; set; } = [];
    public List<Fulfillment> Fulfillments { get; set; } = [];
    public List<PaymentTransaction> Payments { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public string? CancelReason { get; set; }
    /// <summary>Item ids sent back in a requested return.</summary>
    public List<string> ReturnItemIds { get; set; } = [];
    public string? ReturnPaymentMethodId { get; set; }
    /// <summary>Item ids given back in a requested exchange, and the variants they are exchanged for.</summary>
    public List<string> ExchangeItemIds { get; set; } = [];
    public List<string> ExchangeNewItemIds { get; set; } = [];
    public string? ExchangePaymentMethodId { get; set; }
    public decimal? ExchangePriceDifference { get; set; }

    /// <summary>Optimistic concurrency: two conversations cannot change the same order at once.</summary>
    public int Version { get; set; }

    public decimal Total => Items.Sum(i => i.Price);
}

/// <summary>One unit of a variant in an order (τ-retail lists a variant twice when bought twice).</summary>
public sealed class OrderItem
{
    public long Id { get; set; }
    public required string OrderId { get; set; }
    /// <summary>Position in the order, so lists come back as they were placed.</summary>
    public int Line { get; set; }
    public required string ProductId { get; set; }
    /// <summary>The variant (τ-retail item id).</summary>
    public required string ItemId { get; set; }
    public required string Name { get; set; }
    public decimal Price { get; set; }
    public Dictionary<string, string> Options { get; set; } = [];
}

/// <summary>A shipment: tracking ids and the item ids it carries.</summary>
public sealed class Fulfillment
{
    public long Id { get; set; }
    public required string OrderId { get; set; }
    public List<string> TrackingIds { get; set; } = [];
    public List<string> ItemIds { get; set; } = [];
}

public enum TransactionKind
{
    Payment,
    Refund,
}

/// <summary>A payment or refund on an order, in the order it happened.</summary>
public sealed class PaymentTransaction
{
    public long Id { get; set; }
    public required string OrderId { get; set; }
    public int Sequence { get; set; }
    public TransactionKind Kind { get; set; }
    public decimal Amount { get; set; }
    public required string PaymentMethodId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
