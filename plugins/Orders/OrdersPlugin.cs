using System.ComponentModel;
using System.Text.Json.Nodes;
using ChatAgent.Shop;
using ChatAgent.Shop.Formatting;
using ChatAgent.Shop.Conversations;
using ChatAgent.Shop.Orders;
using ChatAgent.Shop.Plugins;
using Microsoft.SemanticKernel;

namespace ChatAgent.Plugins.Orders;

/// <summary>
/// The customer's orders: verification, order details and tracking, and policy-checked changes. Every change is
/// two-step: a change function only proposes (returns what will change and a handle); the change happens when the
/// customer's next message is an explicit yes and <c>confirm_change</c> is then called with that handle.
/// </summary>
/// <remarks>
/// Results keep every field other code reads and add readable ones through <see cref="ShopFormat"/> (the same
/// formatter the no-model replies use): <c>*_text</c> beside each amount (money in the shop's currency) and
/// <c>payment_method</c> beside each <c>payment_method_id</c> ("Mastercard ending 9212", "gift card"), so the model
/// words amounts and payment methods the way the no-model bot does.
/// </remarks>
[ChatAgentPlugin("orders", Description = "Verify the customer; look up, cancel, modify, return and exchange their orders; change their default address.")]
public sealed class OrdersPlugin(CustomerSession session, OrderActions orders, ShopFormat format)
{
    [KernelFunction("verify_customer_by_email"), Description("Verifies the customer by the email address on their account. Must succeed (or another verification) before anything about orders or the account can be shown or changed.")]
    public async Task<string> VerifyByEmailAsync([Description("The customer's email address")] string email, CancellationToken cancellationToken = default) =>
        Verification(await session.VerifyByEmailAsync(email, cancellationToken));

    [KernelFunction("verify_customer_by_name_zip"), Description("Verifies the customer by first name, last name and the zip code of their default address (use when they do not know their email).")]
    public async Task<string> VerifyByNameZipAsync(
        [Description("First name")] string first_name,
        [Description("Last name")] string last_name,
        [Description("Zip code of the default address")] string zip,
        CancellationToken cancellationToken = default) =>
        Verification(await session.VerifyByNameAndZipAsync(first_name, last_name, zip, cancellationToken));

    [KernelFunction("verify_signed_in_customer"), Description("Verifies the customer from the shop account they are signed in with on the website, if any.")]
    public async Task<string> VerifySignedInAsync(CancellationToken cancellationToken = default) =>
        Verification(await session.VerifyFromBoundIdentityAsync(cancellationToken));

    [KernelFunction("get_customer_details"), Description("Gets the verified customer's profile: name, email, default address, payment methods (with gift card balances) and order ids.")]
    public async Task<string> GetCustomerDetailsAsync(CancellationToken cancellationToken = default) => await ReadableAsync(await orders.GetCustomerDetailsAsync(session, cancellationToken), cancellationToken);

    [KernelFunction("list_orders"), Description("Lists the verified customer's orders, newest first, with status, item names and total.")]
    public async Task<string> ListOrdersAsync(CancellationToken cancellationToken = default) => await ReadableAsync(await orders.ListOrdersAsync(session, cancellationToken), cancellationToken);

    [KernelFunction("get_order_details"), Description("Gets one of the verified customer's orders: status, items (with item ids and options), shipping address, tracking ids and payment history.")]
    public async Task<string> GetOrderDetailsAsync([Description("Order id, e.g. #W1234567")] string order_id, CancellationToken cancellationToken = default) =>
        await ReadableAsync(await orders.GetOrderDetailsAsync(session, order_id, cancellationToken), cancellationToken);

    [KernelFunction("cancel_pending_order"), Description("Proposes cancelling a pending order. The reason must be 'no longer needed' or 'ordered by mistake'. Returns the change and a confirmation handle; nothing changes until the customer says yes and confirm_change is called.")]
    public Task<string> CancelPendingOrderAsync(
        [Description("Order id, e.g. #W1234567")] string order_id,
        [Description("'no longer needed' or 'ordered by mistake'")] string reason,
        CancellationToken cancellationToken = default) =>
        ProposeAsync(new ChangeRequest { Action = OrderActionNames.Cancel, OrderId = order_id, Reason = reason }, cancellationToken);

    [KernelFunction("modify_pending_order_address"), Description("Proposes changing the shipping address of a pending order. Returns the change and a confirmation handle.")]
    public Task<string> ModifyPendingOrderAddressAsync(
        [Description("Order id")] string order_id,
        [Description("Street address")] string address1,
        [Description("Apartment, suite, etc. (may be empty)")] string address2,
        [Description("City")] string city,
        [Description("State")] string state,
        [Description("Country")] string country,
        [Description("Zip code")] string zip,
        CancellationToken cancellationToken = default) =>
        ProposeAsync(new ChangeRequest { Action = OrderActionNames.ModifyAddress, OrderId = order_id, Address = new Address { Address1 = address1, Address2 = address2 ?? "", City = city, State = state, Country = country, Zip = zip } }, cancellationToken);

    [KernelFunction("modify_pending_order_payment"), Description("Proposes paying a pending order with another of the customer's payment methods (a gift card must cover the total). Returns the change and a confirmation handle.")]
    public Task<string> ModifyPendingOrderPaymentAsync(
        [Description("Order id")] string order_id,
        [Description("The new payment method id from the customer's details")] string payment_method_id,
        CancellationToken cancellationToken = default) =>
        ProposeAsync(new ChangeRequest { Action = OrderActionNames.ModifyPayment, OrderId = order_id, PaymentMethodId = payment_method_id }, cancellationToken);

    [KernelFunction("modify_pending_order_items"), Description("Proposes changing items of a pending order to other available options of the same product. Can be done only once per order, so include every item to change. The price difference is charged or refunded to payment_method_id. Returns the change and a confirmation handle.")]
    public Task<string> ModifyPendingOrderItemsAsync(
        [Description("Order id")] string order_id,
        [Description("Item ids in the order to change")] string[] item_ids,
        [Description("New item ids, in the same order as item_ids")] string[] new_item_ids,
        [Description("Payment method id to pay or receive the price difference")] string payment_method_id,
        CancellationToken cancellationToken = default) =>
        ProposeAsync(new ChangeRequest { Action = OrderActionNames.ModifyItems, OrderId = order_id, ItemIds = [.. item_ids ?? []], NewItemIds = [.. new_item_ids ?? []], PaymentMethodId = payment_method_id }, cancellationToken);

    [KernelFunction("return_delivered_order_items"), Description("Proposes returning items of a delivered order. The refund goes to the original payment method or to one of the customer's gift cards. Returns the change and a confirmation handle.")]
    public Task<string> ReturnDeliveredOrderItemsAsync(
        [Description("Order id")] string order_id,
        [Description("Item ids to return")] string[] item_ids,
        [Description("Payment method id that receives the refund")] string payment_method_id,
        CancellationToken cancellationToken = default) =>
        ProposeAsync(new ChangeRequest { Action = OrderActionNames.Return, OrderId = order_id, ItemIds = [.. item_ids ?? []], PaymentMethodId = payment_method_id }, cancellationToken);

    [KernelFunction("exchange_delivered_order_items"), Description("Proposes exchanging items of a delivered order for other available options of the same product. Can be done only once per order, so include every item to exchange. Returns the change and a confirmation handle.")]
    public Task<string> ExchangeDeliveredOrderItemsAsync(
        [Description("Order id")] string order_id,
        [Description("Item ids to exchange")] string[] item_ids,
        [Description("New item ids, in the same order as item_ids")] string[] new_item_ids,
        [Description("Payment method id to pay or receive the price difference")] string payment_method_id,
        CancellationToken cancellationToken = default) =>
        ProposeAsync(new ChangeRequest { Action = OrderActionNames.Exchange, OrderId = order_id, ItemIds = [.. item_ids ?? []], NewItemIds = [.. new_item_ids ?? []], PaymentMethodId = payment_method_id }, cancellationToken);

    [KernelFunction("modify_default_address"), Description("Proposes changing the verified customer's default address. Returns the change and a confirmation handle.")]
    public Task<string> ModifyDefaultAddressAsync(
        [Description("Street address")] string address1,
        [Description("Apartment, suite, etc. (may be empty)")] string address2,
        [Description("City")] string city,
        [Description("State")] string state,
        [Description("Country")] string country,
        [Description("Zip code")] string zip,
        CancellationToken cancellationToken = default) =>
        ProposeAsync(new ChangeRequest { Action = OrderActionNames.ModifyDefaultAddress, Address = new Address { Address1 = address1, Address2 = address2 ?? "", City = city, State = state, Country = country, Zip = zip } }, cancellationToken);

    [KernelFunction("confirm_change"), Description("Applies a proposed change after the customer explicitly said yes to it in their latest message. Refused if they did not.")]
    public async Task<string> ConfirmChangeAsync([Description("The handle returned by the proposing function, e.g. CHG-7K2M9Q")] string handle, CancellationToken cancellationToken = default) =>
        await ReadableAsync(await orders.ApplyConfirmedAsync(session, handle, cancellationToken), cancellationToken);

    private async Task<string> ProposeAsync(ChangeRequest request, CancellationToken cancellationToken) =>
        await ReadableAsync(await orders.ProposeAsync(session, request, cancellationToken), cancellationToken);

    private static readonly HashSet<string> MoneyFields = ["amount", "total", "price", "price_difference", "charge", "refund", "balance"];

    /// <summary>Adds readable fields (money, payment methods) to a result, keeping every existing field.</summary>
    private async Task<string> ReadableAsync(string json, CancellationToken cancellationToken)
    {
        if (ToolResult.IsRefusal(json) || JsonNode.Parse(json) is not JsonObject root)
        {
            return json;
        }
        var methods = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (json.Contains("payment_method", StringComparison.Ordinal) || root["payment_methods"] is not null)
        {
            var details = root["payment_methods"] is not null ? root : JsonNode.Parse(await orders.GetCustomerDetailsAsync(session, cancellationToken)) as JsonObject;
            foreach (var m in (details?["payment_methods"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var kind = m["source"]?.ToString() switch { "credit_card" => PaymentMethodKind.CreditCard, "paypal" => PaymentMethodKind.PayPal, _ => PaymentMethodKind.GiftCard };
                if (m["id"]?.ToString() is { } id)
                {
                    methods[id] = format.PaymentMethod(kind, m["brand"]?.ToString(), m["last_four"]?.ToString());
                }
            }
        }
        Walk(root, methods);
        return root.ToJsonString(ToolResult.Json);
    }

    private void Walk(JsonNode? node, IReadOnlyDictionary<string, string> methods)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o.ToList())
                {
                    if (MoneyFields.Contains(key) && value is JsonValue v && v.TryGetValue<decimal>(out var amount) && !o.ContainsKey(key + "_text"))
                    {
                        o[key + "_text"] = format.Money(amount);
                    }
                    else if ((key == "payment_method_id" || key == "id" && o.ContainsKey("source")) && value?.ToString() is { } id && methods.TryGetValue(id, out var name))
                    {
                        o[key == "id" ? "display" : "payment_method"] = name;
                    }
                    else
                    {
                        Walk(value, methods);
                    }
                }
                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    Walk(item, methods);
                }
                break;
        }
    }

    private static string Verification(VerificationResult result) => result.Succeeded
        ? ToolResult.Ok(new { verified = true, user_id = result.CustomerId })
        : ToolResult.Ok(new
        {
            verified = false,
            error = result.Message,
            attempts_left = result.AttemptsLeft,
            transfer_to_human = result.Status == VerificationStatus.Locked ? true : (bool?)null,
        });
}
