using System.Text.Json.Nodes;
using ChatAgent.Shop.Orders;

namespace ChatAgent.Host.Eval.TauRetail;

/// <summary>A call to one of our plugins' functions (tool-call arguments as JSON).</summary>
public sealed record PluginCall(string Plugin, string Function, JsonObject Arguments);

/// <summary>
/// τ-retail's tool names → the functions of our <c>orders</c> and <c>products</c> plugins that do the same thing.
/// Our writes are two-step (propose, then <c>confirm_change</c> after the customer's yes); τ's are one call.
/// </summary>
public static class TauActions
{
    /// <summary>Our function that applies a proposed write once the customer said yes.</summary>
    public const string ConfirmFunction = "confirm_change";

    /// <summary>True for τ's store-changing actions.</summary>
    public static bool IsWrite(string tauName) => OrderActionNames.All.Contains(tauName);

    /// <summary>
    /// Our plugin call for a τ action, or null when we have no counterpart that reads or changes the store
    /// (<c>calculate</c>, <c>list_all_product_types</c>, <c>get_item_details</c>, <c>transfer_to_human_agents</c>).
    /// </summary>
    public static PluginCall? ToPluginCall(TauAction action)
    {
        var a = (JsonObject)action.Arguments.DeepClone();
        return action.Name switch
        {
            "find_user_id_by_email" => new PluginCall("orders", "verify_customer_by_email", a),
            "find_user_id_by_name_zip" => new PluginCall("orders", "verify_customer_by_name_zip", a),
            "get_user_details" => new PluginCall("orders", "get_customer_details", []),
            "get_order_details" => new PluginCall("orders", "get_order_details", a),
            "get_product_details" => new PluginCall("products", "get_product_details", a),
            OrderActionNames.ModifyDefaultAddress => new PluginCall("orders", "modify_default_address", Without(a, "user_id")),
            var w when IsWrite(w) => new PluginCall("orders", w, a),
            _ => null,
        };
    }

    /// <summary>The order a τ action is about, if any.</summary>
    public static string? OrderId(TauAction action) => (string?)action.Arguments["order_id"];

    /// <summary>The customer a τ action names directly, if any (<c>modify_user_address</c>, <c>get_user_details</c>).</summary>
    public static string? UserId(TauAction action) => (string?)action.Arguments["user_id"];

    private static JsonObject Without(JsonObject o, string key)
    {
        o.Remove(key);
        return o;
    }
}
