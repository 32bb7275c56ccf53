namespace ChatAgent.Shop.Orders;

/// <summary>The write actions of the orders plugin (τ-retail names).</summary>
public static class OrderActionNames
{
    public const string Cancel = "cancel_pending_order";
    public const string ModifyAddress = "modify_pending_order_address";
    public const string ModifyPayment = "modify_pending_order_payment";
    public const string ModifyItems = "modify_pending_order_items";
    public const string Return = "return_delivered_order_items";
    public const string Exchange = "exchange_delivered_order_items";
    public const string ModifyDefaultAddress = "modify_user_address";

    public static readonly IReadOnlySet<string> All = new HashSet<string> { Cancel, ModifyAddress, ModifyPayment, ModifyItems, Return, Exchange, ModifyDefaultAddress };

    /// <summary>The only cancellation reasons the policy accepts.</summary>
    public static readonly IReadOnlyList<string> CancelReasons = ["no longer needed", "ordered by mistake"];
}

/// <summary>A proposed write, validated when proposed and again when applied; stored with its confirmation handle.</summary>
public sealed record ChangeRequest
{
    public required string Action { get; init; }
    public string? OrderId { get; init; }
    public string? Reason { get; init; }
    public List<string>? ItemIds { get; init; }
    public List<string>? NewItemIds { get; init; }
    public string? PaymentMethodId { get; init; }
    public Address? Address { get; init; }
}
