using System.Text.Json.Nodes;

namespace ChatAgent.Shop.Tests;

/// <summary>
/// An independent, minimal re-statement of the τ-retail tool semantics over the raw db.json, written for the tests from
/// the policy and tools.md: what the final state must be after a task's expected actions. Our store is compared to it.
/// </summary>
internal sealed class TauReference(JsonObject db)
{
    public sealed class Refused(string message) : Exception(message);

    private JsonObject Users => db["users"]!.AsObject();
    private JsonObject Orders => db["orders"]!.AsObject();
    private JsonObject Products => db["products"]!.AsObject();

    public JsonObject? Order(string id) => Orders[id]?.AsObject();
    public JsonObject User(string id) => Users[id]!.AsObject();

    public string? FindByEmail(string email) =>
        Users.FirstOrDefault(u => string.Equals((string?)u.Value!["email"], email, StringComparison.OrdinalIgnoreCase)).Key;

    public string? FindByNameZip(string first, string last, string zip) =>
        Users.FirstOrDefault(u =>
            string.Equals((string?)u.Value!["name"]!["first_name"], first, StringComparison.OrdinalIgnoreCase)
            && string.Equals((string?)u.Value!["name"]!["last_name"], last, StringComparison.OrdinalIgnoreCase)
            && (string?)u.Value!["address"]!["zip"] == zip).Key;

    public void Apply(string action, JsonObject a)
    {
        switch (action)
        {
            case "cancel_pending_order": Cancel((string)a["order_id"]!, (string)a["reason"]!); break;
            case "modify_pending_order_address": ModifyOrderAddress((string)a["order_id"]!, a); break;
            case "modify_pending_order_payment": ModifyPayment((string)a["order_id"]!, (string)a["payment_method_id"]!); break;
            case "modify_pending_order_items": ModifyItems((string)a["order_id"]!, Ids(a["item_ids"]), Ids(a["new_item_ids"]), (string)a["payment_method_id"]!); break;
            case "return_delivered_order_items": Return((string)a["order_id"]!, Ids(a["item_ids"]), (string)a["payment_method_id"]!); break;
            case "exchange_delivered_order_items": Exchange((string)a["order_id"]!, Ids(a["item_ids"]), Ids(a["new_item_ids"]), (string)a["payment_method_id"]!); break;
            case "modify_user_address": User((string)a["user_id"]!)["address"] = AddressFrom(a); break;
            default: throw new InvalidOperationException(action);
        }
    }

    private static List<string> Ids(JsonNode? n) => n!.AsArray().Select(x => (string)x!).ToList();

    private static JsonObject AddressFrom(JsonObject a) => new()
    {
        ["address1"] = (string?)a["address1"], ["address2"] = (string?)a["address2"], ["city"] = (string?)a["city"],
        ["country"] = (string?)a["country"], ["state"] = (string?)a["state"], ["zip"] = (string?)a["zip"],
    };

    private JsonObject Get(string orderId) => Order(orderId) ?? throw new Refused("order not found");

    private JsonObject Method(string userId, string methodId) =>
        User(userId)["payment_methods"]![methodId]?.AsObject() ?? throw new Refused("payment method not found");

    private static bool IsGiftCard(JsonObject m) => (string?)m["source"] == "gift_card";

    private static void AddBalance(JsonObject m, decimal delta) => m["balance"] = Math.Round((decimal)m["balance"]! + delta, 2);

    private static void Pay(JsonObject order, string type, decimal amount, string method) =>
        order["payment_history"]!.AsArray().Add(new JsonObject { ["transaction_type"] = type, ["amount"] = amount, ["payment_method_id"] = method });

    private void Cancel(string orderId, string reason)
    {
        var order = Get(orderId);
        if ((string?)order["status"] != "pending") throw new Refused("not pending");
        if (reason is not ("no longer needed" or "ordered by mistake")) throw new Refused("bad reason");
        foreach (var p in order["payment_history"]!.AsArray().ToList())
        {
            var amount = (decimal)p!["amount"]!;
            var methodId = (string)p["payment_method_id"]!;
            Pay(order, "refund", amount, methodId);
            var m = Method((string)order["user_id"]!, methodId);
            if (IsGiftCard(m)) AddBalance(m, amount);
        }
        order["status"] = "cancelled";
    }

    private void ModifyOrderAddress(string orderId, JsonObject a)
    {
        var order = Get(orderId);
        if ((string?)order["status"] != "pending") throw new Refused("not pending");
        order["address"] = AddressFrom(a);
    }

    private void ModifyPayment(string orderId, string methodId)
    {
        var order = Get(orderId);
        if ((string?)order["status"] != "pending") throw new Refused("not pending");
        var user = (string)order["user_id"]!;
        var method = Method(user, methodId);
        var history = order["payment_history"]!.AsArray();
        if (history.Count != 1 || (string?)history[0]!["transaction_type"] != "payment") throw new Refused("not exactly one payment");
        var old = (string)history[0]!["payment_method_id"]!;
        if (old == methodId) throw new Refused("same method");
        var amount = (decimal)history[0]!["amount"]!;
        if (IsGiftCard(method) && (decimal)method["balance"]! < amount) throw new Refused("gift card short");
        Pay(order, "payment", amount, methodId);
        Pay(order, "refund", amount, old);
        if (IsGiftCard(method)) AddBalance(method, -amount);
        var oldMethod = Method(user, old);
        if (IsGiftCard(oldMethod)) AddBalance(oldMethod, amount);
    }

    private static void CheckItems(JsonObject order, List<string> itemIds)
    {
        var present = order["items"]!.AsArray().Select(i => (string)i!["item_id"]!).ToList();
        if (itemIds.Count == 0) throw new Refused("no items");
        foreach (var id in itemIds.Distinct())
        {
            if (itemIds.Count(x => x == id) > present.Count(x => x == id)) throw new Refused("item not in order");
        }
    }

    private decimal PriceDifference(JsonObject order, List<string> itemIds, List<string> newIds)
    {
        if (itemIds.Count != newIds.Count) throw new Refused("count mismatch");
        var diff = 0m;
        for (var i = 0; i < itemIds.Count; i++)
        {
            if (itemIds[i] == newIds[i]) throw new Refused("same item");
            var item = order["items"]!.AsArray().First(x => (string)x!["item_id"]! == itemIds[i])!;
            var variant = Products[(string)item["product_id"]!]!["variants"]![newIds[i]] ?? throw new Refused("not a variant of the product");
            if (!(bool)variant["available"]!) throw new Refused("not available");
            diff += (decimal)variant["price"]! - (decimal)item["price"]!;
        }
        return Math.Round(diff, 2);
    }

    private void ModifyItems(string orderId, List<string> itemIds, List<string> newIds, string methodId)
    {
        var order = Get(orderId);
        if ((string?)order["status"] != "pending") throw new Refused("not pending");
        CheckItems(order, itemIds);
        var diff = PriceDifference(order, itemIds, newIds);
        var method = Method((string)order["user_id"]!, methodId);
        if (IsGiftCard(method) && (decimal)method["balance"]! < diff) throw new Refused("gift card short");
        Pay(order, diff > 0 ? "payment" : "refund", Math.Abs(diff), methodId);
        if (IsGiftCard(method)) AddBalance(method, -diff);
        for (var i = 0; i < itemIds.Count; i++)
        {
            var item = order["items"]!.AsArray().First(x => (string)x!["item_id"]! == itemIds[i])!;
            var variant = Products[(string)item["product_id"]!]!["variants"]![newIds[i]]!;
            item["item_id"] = newIds[i];
            item["price"] = (decimal)variant["price"]!;
            item["options"] = variant["options"]!.DeepClone();
        }
        order["status"] = "pending (item modified)";
    }

    private void Return(string orderId, List<string> itemIds, string methodId)
    {
        var order = Get(orderId);
        if ((string?)order["status"] != "delivered") throw new Refused("not delivered");
        var method = Method((string)order["user_id"]!, methodId);
        var original = (string)order["payment_history"]![0]!["payment_method_id"]!;
        if (!IsGiftCard(method) && methodId != original) throw new Refused("refund destination");
        CheckItems(order, itemIds);
        order["status"] = "return requested";
        order["return_items"] = new JsonArray(itemIds.Order(StringComparer.Ordinal).Select(i => (JsonNode)i!).ToArray());
        order["return_payment_method_id"] = methodId;
    }

    private void Exchange(string orderId, List<string> itemIds, List<string> newIds, string methodId)
    {
        var order = Get(orderId);
        if ((string?)order["status"] != "delivered") throw new Refused("not delivered");
        CheckItems(order, itemIds);
        var diff = PriceDifference(order, itemIds, newIds);
        var method = Method((string)order["user_id"]!, methodId);
        if (IsGiftCard(method) && (decimal)method["balance"]! < diff) throw new Refused("gift card short");
        order["status"] = "exchange requested";
        order["exchange_items"] = new JsonArray(itemIds.Order(StringComparer.Ordinal).Select(i => (JsonNode)i!).ToArray());
        order["exchange_new_items"] = new JsonArray(newIds.Order(StringComparer.Ordinal).Select(i => (JsonNode)i!).ToArray());
        order["exchange_payment_method_id"] = methodId;
        order["exchange_price_difference"] = diff;
    }
}
