using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Shop.Tests;

/// <summary>Plays a τ-retail task's expected actions through our plugins and compares the store with <see cref="TauReference"/>.</summary>
internal static class TauReplay
{
    private static readonly Lazy<JsonObject> Db = new(() => JsonNode.Parse(File.ReadAllText(SharedData.TryFind("tau-retail/db.json")!))!.AsObject());
    private static readonly Lazy<Dictionary<string, JsonObject>> Tasks = new(() =>
        JsonNode.Parse(File.ReadAllText(SharedData.TryFind("tau-retail/tasks.json")!))!.AsArray().Select(t => t!.AsObject()).ToDictionary(t => (string)t["id"]!));

    private static readonly HashSet<string> Writes =
    [
        "cancel_pending_order", "modify_pending_order_address", "modify_pending_order_payment", "modify_pending_order_items",
        "return_delivered_order_items", "exchange_delivered_order_items", "modify_user_address",
    ];

    public static TheoryData<string> TaskIds()
    {
        var data = new TheoryData<string>();
        if (SharedData.TryFind("tau-retail/tasks.json") is null)
        {
            data.Add("shared-data-missing");
            return data;
        }
        foreach (var id in Tasks.Value.Keys)
        {
            data.Add(id);
        }
        return data;
    }

    /// <summary>Replays one task; returns how many write actions were applied (for the caller's sanity checks).</summary>
    public static async Task<int> RunAsync(TestShop shop, string taskId)
    {
        var task = Tasks.Value[taskId];
        var actions = (task["evaluation_criteria"]?["actions"] as JsonArray ?? []).Select(a => a!.AsObject()).ToList();
        var reference = new TauReference(Db.Value.DeepClone().AsObject());
        var conversation = shop.StartConversation();
        string? verified = null;
        var touchedOrders = new HashSet<string>();
        var touchedUsers = new HashSet<string>();
        var applied = 0;

        if (!actions.Any(a => ((string)a["name"]!).StartsWith("find_user_id", StringComparison.Ordinal)))
        {
            // The task lists only the changes; the customer still has to be verified first (by their email, which they know).
            var owner = actions.Select(a => a["arguments"]!["order_id"] is { } o && reference.Order((string)o!) is { } order ? (string?)order["user_id"] : (string?)a["arguments"]!["user_id"]).FirstOrDefault(u => u is not null);
            if (owner is not null)
            {
                var r = await conversation.CallAsync("verify_customer_by_email", new { email = (string)reference.User(owner)["email"]! });
                Assert.True(r.GetProperty("verified").GetBoolean(), $"task {taskId}: verifying {owner} by email failed: {r}");
                verified = owner;
            }
        }

        foreach (var action in actions)
        {
            var name = (string)action["name"]!;
            var args = action["arguments"]!.AsObject();
            var where = $"task {taskId}, action {action["action_id"]} {name} {args.ToJsonString()}";
            switch (name)
            {
                case "find_user_id_by_email":
                case "find_user_id_by_name_zip":
                {
                    var expected = name == "find_user_id_by_email"
                        ? reference.FindByEmail((string)args["email"]!)
                        : reference.FindByNameZip((string)args["first_name"]!, (string)args["last_name"]!, (string)args["zip"]!);
                    var r = name == "find_user_id_by_email"
                        ? await conversation.CallAsync("verify_customer_by_email", new { email = (string)args["email"]! })
                        : await conversation.CallAsync("verify_customer_by_name_zip", new { first_name = (string)args["first_name"]!, last_name = (string)args["last_name"]!, zip = (string)args["zip"]! });
                    if (expected is null)
                    {
                        Assert.False(r.GetProperty("verified").GetBoolean(), $"{where}: should not verify: {r}");
                    }
                    else
                    {
                        Assert.True(r.GetProperty("verified").GetBoolean(), $"{where}: {r}");
                        Assert.Equal(expected, r.GetProperty("user_id").GetString());
                        verified = expected;
                    }
                    break;
                }
                case "get_user_details":
                {
                    var r = await conversation.CallAsync("get_customer_details");
                    if (verified is null)
                    {
                        Assert.True(r.IsError(), $"{where}: unverified read allowed: {r}");
                    }
                    else
                    {
                        Assert.Equal(verified, r.GetProperty("user_id").GetString());
                    }
                    break;
                }
                case "get_order_details":
                {
                    var id = (string)args["order_id"]!;
                    // Unlike τ-retail we accept "#9502127" / "W9502127" for "#W9502127": customers type ids loosely.
                    var order = reference.Order(Orders.OrderActions.NormalizeOrderId(id));
                    var visible = order is not null && verified is not null && (string?)order["user_id"] == verified;
                    var r = await conversation.CallAsync("get_order_details", new { order_id = id });
                    Assert.True(visible != r.IsError(), $"{where}: expected {(visible ? "the order" : "not found")}, got {r}");
                    if (visible)
                    {
                        Assert.Equal((string?)order!["status"], r.GetProperty("status").GetString());
                    }
                    break;
                }
                case var w when Writes.Contains(w):
                {
                    var ownerOk = name == "modify_user_address"
                        ? (string?)args["user_id"] == verified
                        : reference.Order((string)args["order_id"]!) is { } o && (string?)o["user_id"] == verified;
                    // Every expected write in τ-retail is on the authenticated customer's own order or profile.
                    Assert.True(ownerOk, $"{where}: not the verified customer's ({verified})");
                    string? referenceRefusal = null;
                    if (ownerOk)
                    {
                        try
                        {
                            reference.Apply(name, args);
                        }
                        catch (TauReference.Refused e)
                        {
                            referenceRefusal = e.Message;
                        }
                    }
                    else
                    {
                        referenceRefusal = "not the verified customer's";
                    }
                    if (name == "modify_user_address")
                    {
                        touchedUsers.Add((string)args["user_id"]!);
                    }
                    else
                    {
                        touchedOrders.Add((string)args["order_id"]!);
                    }

                    var (function, callArgs) = ToPluginCall(name, args);
                    var proposal = await conversation.CallAsync(function, callArgs);
                    if (referenceRefusal is not null)
                    {
                        Assert.True(proposal.IsError(), $"{where}: the reference refuses ({referenceRefusal}) but we proposed: {proposal}");
                        break;
                    }
                    Assert.False(proposal.IsError(), $"{where}: refused: {proposal}");
                    var handle = proposal.GetProperty("handle").GetString();
                    var outcome = await conversation.SayAsync("Yes, please go ahead.");
                    Assert.Equal(Conversations.ConfirmationDecision.Confirmed, outcome.Decision);
                    var result = await conversation.CallAsync("confirm_change", new { handle });
                    Assert.False(result.IsError(), $"{where}: confirmed change not applied: {result}");
                    applied++;
                    break;
                }
                default:
                    // Product lookups, calculate and transfer belong to other plugins; they change nothing.
                    break;
            }
        }

        await CompareAsync(shop, reference, touchedOrders, touchedUsers, taskId);
        return applied;
    }

    private static (string Function, object Args) ToPluginCall(string name, JsonObject a)
    {
        var dict = a.ToDictionary(p => p.Key, p => p.Value is JsonArray arr ? (object?)arr.Select(x => (string)x!).ToArray() : (string?)p.Value);
        if (name == "modify_user_address")
        {
            dict.Remove("user_id");
            return ("modify_default_address", dict);
        }
        return (name, dict);
    }

    private static async Task CompareAsync(TestShop shop, TauReference reference, HashSet<string> orders, HashSet<string> users, string taskId)
    {
        await using var db = await shop.Db.CreateDbContextAsync();
        foreach (var id in orders)
        {
            var expected = reference.Order(id);
            var ours = await db.Orders.AsNoTracking().Include(o => o.Items).Include(o => o.Payments).FirstOrDefaultAsync(o => o.Id == id);
            if (expected is null)
            {
                Assert.Null(ours);
                continue;
            }
            Assert.NotNull(ours);
            var where = $"task {taskId}, order {id}";
            Assert.True((string?)expected["status"] == ours.Status.ToDisplay(), $"{where}: status {ours.Status.ToDisplay()}, expected {expected["status"]}");
            var address = expected["address"]!;
            Assert.Equal(((string?)address["address1"], (string?)address["address2"], (string?)address["city"], (string?)address["state"], (string?)address["country"], (string?)address["zip"]),
                (ours.ShippingAddress.Address1, ours.ShippingAddress.Address2, ours.ShippingAddress.City, ours.ShippingAddress.State, ours.ShippingAddress.Country, ours.ShippingAddress.Zip));
            Assert.Equal(
                expected["items"]!.AsArray().Select(i => $"{i!["item_id"]}@{Money(i["price"])}").Order(),
                ours.Items.Select(i => $"{i.ItemId}@{Money(i.Price)}").Order());
            Assert.Equal(
                expected["payment_history"]!.AsArray().Select(p => $"{p!["transaction_type"]} {Money(p["amount"])} {p["payment_method_id"]}"),
                ours.Payments.OrderBy(p => p.Sequence).Select(p => $"{(p.Kind == TransactionKind.Payment ? "payment" : "refund")} {Money(p.Amount)} {p.PaymentMethodId}"));
            if (expected["return_items"] is JsonArray returned)
            {
                Assert.Equal(returned.Select(x => (string)x!), ours.ReturnItemIds);
                Assert.Equal((string?)expected["return_payment_method_id"], ours.ReturnPaymentMethodId);
            }
            if (expected["exchange_items"] is JsonArray exchanged)
            {
                Assert.Equal(exchanged.Select(x => (string)x!), ours.ExchangeItemIds);
                Assert.Equal(expected["exchange_new_items"]!.AsArray().Select(x => (string)x!), ours.ExchangeNewItemIds);
                Assert.Equal((string?)expected["exchange_payment_method_id"], ours.ExchangePaymentMethodId);
                Assert.Equal(Money(expected["exchange_price_difference"]), Money(ours.ExchangePriceDifference ?? 0));
            }
            users.Add((string)expected["user_id"]!);
        }
        foreach (var userId in users)
        {
            var expected = reference.User(userId);
            var ours = await db.Customers.AsNoTracking().Include(c => c.PaymentMethods).FirstAsync(c => c.Id == userId);
            var address = expected["address"]!;
            Assert.Equal(((string?)address["address1"], (string?)address["address2"], (string?)address["city"], (string?)address["state"], (string?)address["country"], (string?)address["zip"]),
                (ours.Address.Address1, ours.Address.Address2, ours.Address.City, ours.Address.State, ours.Address.Country, ours.Address.Zip));
            foreach (var (methodId, method) in expected["payment_methods"]!.AsObject())
            {
                if ((string?)method!["source"] == "gift_card")
                {
                    Assert.True(Money(method["balance"]) == Money(ours.PaymentMethods.Single(p => p.Id == methodId).Balance ?? 0), $"task {taskId}: gift card {methodId} balance {ours.PaymentMethods.Single(p => p.Id == methodId).Balance}, expected {method["balance"]}");
                }
            }
        }
    }

    private static string Money(JsonNode? n) => Money((decimal)n!);

    private static string Money(decimal d) => d.ToString("0.00", CultureInfo.InvariantCulture);
}
