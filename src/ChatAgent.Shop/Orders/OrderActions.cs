namespace ChatAgent.Shop.Orders;

/// <summary>Order reads and policy-checked changes for a verified customer (filled in below).</summary>
public sealed partial class OrderActions
{
}
