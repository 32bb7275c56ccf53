using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatAgent.Shop.Conversations;
using ChatAgent.Shop.Plugins;
using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Shop.Orders;

/// <summary>
/// Order reads and policy-checked changes for the verified customer of a conversation. Every result is compact JSON
/// for the model; refusals carry the reason. Authorization: nothing is read or changed unless the conversation's
/// verified customer owns it, and another customer's order gets exactly the answer a nonexistent order gets.
/// Writes are two-step: <see cref="ProposeAsync"/> validates and stores the change behind a handle; only after the
/// customer's next message was an explicit yes (see <see cref="ConfirmationGate"/>) does <see cref="ApplyConfirmedAsync"/>
/// re-validate and apply it.
/// </summary>
public sealed partial class OrderActions(IDbContextFactory<ShopDbContext> dbFactory, ConfirmationGate gate, TimeProvider time)
{
    private const string NotVerified = "The customer is not verified yet. Verify them first by email, or by first name, last name and zip code.";

    public async Task<string> GetCustomerDetailsAsync(CustomerSession session, CancellationToken cancellationToken = default)
    {
        if (await session.GetVerifiedCustomerIdAsync(cancellationToken) is not { } customerId)
        {
            return ToolResult.Refused(NotVerified);
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var customer = await db.Customers.AsNoTracking().Include(c => c.PaymentMethods).FirstAsync(c => c.Id == customerId, cancellationToken);
        var orders = await db.Orders.AsNoTracking().Where(o => o.CustomerId == customerId).OrderBy(o => o.CreatedAt).ThenBy(o => o.Id).Select(o => o.Id).ToListAsync(cancellationToken);
        return ToolResult.Ok(new
        {
            user_id = customer.Id,
            name = new { first_name = customer.FirstName, last_name = customer.LastName },
            email = customer.Email,
            address = AddressView(customer.Address),
            payment_methods = customer.PaymentMethods.OrderBy(p => p.Id).Select(PaymentMethodView),
            orders,
        });
    }

    public async Task<string> ListOrdersAsync(CustomerSession session, CancellationToken cancellationToken = default)
    {
        if (await session.GetVerifiedCustomerIdAsync(cancellationToken) is not { } customerId)
        {
            return ToolResult.Refused(NotVerified);
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var orders = await db.Orders.AsNoTracking().Include(o => o.Items).Where(o => o.CustomerId == customerId).ToListAsync(cancellationToken);
        return ToolResult.Ok(new
        {
            orders = orders.OrderByDescending(o => o.CreatedAt).ThenBy(o => o.Id).Select(o => new
            {
                order_id = o.Id,
                status = o.Status.ToDisplay(),
                items = o.Items.OrderBy(i => i.Line).Select(i => i.Name),
                total = o.Total,
            }),
        });
    }

    public async Task<string> GetOrderDetailsAsync(CustomerSession session, string orderId, CancellationToken cancellationToken = default)
    {
        if (await session.GetVerifiedCustomerIdAsync(cancellationToken) is not { } customerId)
        {
            return ToolResult.Refused(NotVerified);
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var order = await FindOrderAsync(db, customerId, orderId, tracked: false, cancellationToken);
        return order is null ? ToolResult.Refused(OrderNotFound(orderId)) : ToolResult.Ok(OrderView(order));
    }

    /// <summary>Validates a change for the verified customer and stores it for confirmation; returns what will change and the handle.</summary>
    public async Task<string> ProposeAsync(CustomerSession session, ChangeRequest request, CancellationToken cancellationToken = default)
    {
        if (await session.GetVerifiedCustomerIdAsync(cancellationToken) is not { } customerId)
        {
            return ToolResult.Refused(NotVerified);
        }
        request = Normalize(request);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (refusal, summary) = await CheckAsync(db, customerId, request, apply: false, cancellationToken);
        if (refusal is not null)
        {
            return ToolResult.Refused(refusal);
        }
        db.ChangeTracker.Clear();
        var change = await gate.ProposeAsync(db, session.ConversationId, customerId, request.Action, request.OrderId,
            JsonSerializer.Serialize(request, ToolResult.Json), ToolResult.Ok(summary!), cancellationToken);
        return ToolResult.Ok(new
        {
            confirmation_required = true,
            handle = change.Handle,
            change = summary,
            next_step = $"Nothing has changed yet. Tell the customer exactly this change and ask them to reply yes to confirm. Only after their explicit yes, call confirm_change with handle {change.Handle}.",
        });
    }

    /// <summary>Applies the change behind <paramref name="handle"/>, only if the customer's latest message confirmed exactly it; re-checks every rule against the current store.</summary>
    public async Task<string> ApplyConfirmedAsync(CustomerSession session, string handle, CancellationToken cancellationToken = default)
    {
        if (await session.GetVerifiedCustomerIdAsync(cancellationToken) is not { } customerId)
        {
            return ToolResult.Refused(NotVerified);
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var (change, refusal) = await ConfirmationGate.FindConfirmedAsync(db, session.ConversationId, customerId, handle, cancellationToken);
        if (change is null)
        {
            return ToolResult.Refused(refusal!);
        }
        if (change.Status is PendingChangeStatus.Applied or PendingChangeStatus.Failed)
        {
            // Decided in answer to this very customer message before the turn was interrupted: report it, apply nothing.
            return change.ResultJson!;
        }
        // Claim the change first, so two concurrent calls cannot both apply it.
        var claimed = await db.PendingChanges
            .Where(c => c.Handle == change.Handle && c.Status == PendingChangeStatus.Confirmed)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, PendingChangeStatus.Applied), cancellationToken);
        if (claimed != 1)
        {
            return ToolResult.Refused($"Change {change.Handle} was already applied.");
        }

        var request = JsonSerializer.Deserialize<ChangeRequest>(change.ArgumentsJson, ToolResult.Json)!;
        var (checkRefusal, summary) = await CheckAsync(db, customerId, request, apply: true, cancellationToken);
        if (checkRefusal is not null)
        {
            await transaction.RollbackAsync(cancellationToken);
            var failure = ToolResult.Refused($"The confirmed change could not be applied: {checkRefusal}");
            await using var failDb = await dbFactory.CreateDbContextAsync(cancellationToken);
            await failDb.PendingChanges.Where(c => c.Handle == change.Handle)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, PendingChangeStatus.Failed).SetProperty(c => c.ResultJson, failure), cancellationToken);
            return failure;
        }
        var result = ToolResult.Ok(new { applied = true, handle = change.Handle, change = summary });
        change.Status = PendingChangeStatus.Applied;
        change.ResultJson = result;
        db.Entry(change).Property(c => c.Status).IsModified = false;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            await transaction.RollbackAsync(cancellationToken);
            return ToolResult.Refused("The order changed while this change was being applied; look at it again and propose the change anew.");
        }
        return result;
    }

    private async Task<(string? Refusal, object? Summary)> CheckAsync(ShopDbContext db, string customerId, ChangeRequest request, bool apply, CancellationToken ct)
    {
        if (!OrderActionNames.All.Contains(request.Action))
        {
            return ($"Unknown action '{request.Action}'.", null);
        }
        var customer = await db.Customers.Include(c => c.PaymentMethods).FirstAsync(c => c.Id == customerId, ct);
        if (request.Action == OrderActionNames.ModifyDefaultAddress)
        {
            if (AddressProblem(request.Address) is { } problem)
            {
                return (problem, null);
            }
            var summary = new { action = request.Action, user_id = customer.Id, address = new { from = AddressView(customer.Address), to = AddressView(request.Address!) } };
            if (apply)
            {
                customer.Address = request.Address! with { };
            }
            return (null, summary);
        }

        var order = await FindOrderAsync(db, customerId, request.OrderId ?? "", tracked: true, ct);
        if (order is null)
        {
            return (OrderNotFound(request.OrderId), null);
        }
        (string? Refusal, object? Summary) outcome = request.Action switch
        {
            OrderActionNames.Cancel => Cancel(order, customer, request, apply),
            OrderActionNames.ModifyAddress => ModifyAddress(order, request, apply),
            OrderActionNames.ModifyPayment => ModifyPayment(order, customer, request, apply),
            OrderActionNames.ModifyItems => await ChangeItemsAsync(db, order, customer, request, exchange: false, apply, ct),
            OrderActionNames.Exchange => await ChangeItemsAsync(db, order, customer, request, exchange: true, apply, ct),
            _ => Return(order, customer, request, apply),
        };
        if (apply && outcome.Refusal is null)
        {
            order.UpdatedAt = time.GetUtcNow();
            order.Version++;
        }
        return outcome;
    }

    private static string? PendingGate(Order order, string what)
    {
        return order.Status switch
        {
            OrderStatus.Pending => null,
            OrderStatus.PendingItemsModified => $"Order {order.Id}'s items were already modified once; it can no longer be {what}.",
            OrderStatus.Processed => $"Order {order.Id} is processed (being prepared for shipping): it can no longer be {what}. Once delivered it can be returned or exchanged.",
            OrderStatus.Delivered => $"Order {order.Id} is delivered: it can be returned or exchanged, not {what}.",
            OrderStatus.Cancelled => $"Order {order.Id} is already cancelled.",
            _ => $"Order {order.Id} is {order.Status.ToDisplay()}: it can no longer be {what}.",
        };
    }

    private static string? DeliveredGate(Order order, string what)
    {
        return order.Status switch
        {
            OrderStatus.Delivered => null,
            OrderStatus.Pending or OrderStatus.PendingItemsModified => $"Order {order.Id} is {order.Status.ToDisplay()} (not delivered yet): it cannot be {what}; a pending order can be cancelled or modified instead.",
            OrderStatus.Processed => $"Order {order.Id} is processed but not delivered yet: it can be {what} only after delivery.",
            OrderStatus.ExchangeRequested => $"Order {order.Id} already has an exchange requested; an order can be exchanged or returned only once.",
            OrderStatus.ReturnRequested => $"Order {order.Id} already has a return requested; an order can be exchanged or returned only once.",
            _ => $"Order {order.Id} is {order.Status.ToDisplay()}: it cannot be {what}.",
        };
    }

    private (string?, object?) Cancel(Order order, Customer customer, ChangeRequest request, bool apply)
    {
        if (PendingGate(order, "cancelled") is { } refusal)
        {
            return (refusal, null);
        }
        var reason = request.Reason?.Trim().ToLowerInvariant();
        if (reason is null || !OrderActionNames.CancelReasons.Contains(reason))
        {
            return ($"A cancellation needs the customer's reason, either 'no longer needed' or 'ordered by mistake'; '{request.Reason}' is not accepted.", null);
        }
        var refunds = order.Payments
            .GroupBy(p => p.PaymentMethodId)
            .Select(g => (MethodId: g.Key, Amount: g.Sum(p => p.Kind == TransactionKind.Payment ? p.Amount : -p.Amount)))
            .Where(r => r.Amount > 0)
            .ToList();
        var summary = new
        {
            action = OrderActionNames.Cancel,
            order_id = order.Id,
            status = new { from = order.Status.ToDisplay(), to = OrderStatus.Cancelled.ToDisplay() },
            reason,
            refunds = refunds.Select(r => new { payment_method_id = r.MethodId, amount = r.Amount, timing = RefundTiming(customer, r.MethodId) }),
        };
        if (apply)
        {
            order.Status = OrderStatus.Cancelled;
            order.CancelReason = reason;
            foreach (var (methodId, amount) in refunds)
            {
                AddTransaction(order, TransactionKind.Refund, amount, methodId);
                if (customer.PaymentMethods.FirstOrDefault(p => p.Id == methodId) is { Kind: PaymentMethodKind.GiftCard } card)
                {
                    card.Balance = (card.Balance ?? 0) + amount;
                }
            }
        }
        return (null, summary);
    }

    private static (string?, object?) ModifyAddress(Order order, ChangeRequest request, bool apply)
    {
        if (PendingGate(order, "modified") is { } refusal)
        {
            return (refusal, null);
        }
        if (AddressProblem(request.Address) is { } problem)
        {
            return (problem, null);
        }
        var summary = new { action = OrderActionNames.ModifyAddress, order_id = order.Id, shipping_address = new { from = AddressView(order.ShippingAddress), to = AddressView(request.Address!) } };
        if (apply)
        {
            order.ShippingAddress = request.Address! with { };
        }
        return (null, summary);
    }

    private (string?, object?) ModifyPayment(Order order, Customer customer, ChangeRequest request, bool apply)
    {
        if (PendingGate(order, "modified") is { } refusal)
        {
            return (refusal, null);
        }
        if (OwnMethod(customer, request.PaymentMethodId) is not { } method)
        {
            return (UnknownMethod(request.PaymentMethodId), null);
        }
        if (order.Payments.Count != 1 || order.Payments[0].Kind != TransactionKind.Payment)
        {
            return ($"Order {order.Id} has more than one payment on record; its payment method cannot be changed here.", null);
        }
        var current = order.Payments[0];
        if (current.PaymentMethodId == method.Id)
        {
            return ($"Order {order.Id} is already paid with {method.Id}; choose a different payment method.", null);
        }
        var amount = current.Amount;
        if (method.Kind == PaymentMethodKind.GiftCard && (method.Balance ?? 0) < amount)
        {
            return (Money($"Gift card {method.Id} has a balance of {method.Balance ?? 0:0.00}, which does not cover the order total of {amount:0.00}."), null);
        }
        var summary = new
        {
            action = OrderActionNames.ModifyPayment,
            order_id = order.Id,
            payment_method = new { from = current.PaymentMethodId, to = method.Id },
            charge = new { payment_method_id = method.Id, amount },
            refund = new { payment_method_id = current.PaymentMethodId, amount, timing = RefundTiming(customer, current.PaymentMethodId) },
        };
        if (apply)
        {
            AddTransaction(order, TransactionKind.Payment, amount, method.Id);
            AddTransaction(order, TransactionKind.Refund, amount, current.PaymentMethodId);
            if (method.Kind == PaymentMethodKind.GiftCard)
            {
                method.Balance = (method.Balance ?? 0) - amount;
            }
            if (OwnMethod(customer, current.PaymentMethodId) is { Kind: PaymentMethodKind.GiftCard } old)
            {
                old.Balance = (old.Balance ?? 0) + amount;
            }
        }
        return (null, summary);
    }

    private static (string?, object?) Return(Order order, Customer customer, ChangeRequest request, bool apply)
    {
        if (DeliveredGate(order, "returned") is { } refusal)
        {
            return (refusal, null);
        }
        if (ItemsProblem(order, request.ItemIds) is { } problem)
        {
            return (problem, null);
        }
        if (OwnMethod(customer, request.PaymentMethodId) is not { } method)
        {
            return (UnknownMethod(request.PaymentMethodId), null);
        }
        var original = order.Payments.FirstOrDefault(p => p.Kind == TransactionKind.Payment)?.PaymentMethodId;
        if (method.Kind != PaymentMethodKind.GiftCard && method.Id != original)
        {
            return ($"A refund can go only to the original payment method ({original}) or to one of the customer's gift cards, not to {method.Id}.", null);
        }
        var lines = TakeLines(order, request.ItemIds!);
        var summary = new
        {
            action = OrderActionNames.Return,
            order_id = order.Id,
            status = new { from = order.Status.ToDisplay(), to = OrderStatus.ReturnRequested.ToDisplay() },
            items = lines.Select(l => new { item_id = l.ItemId, name = l.Name, options = l.Options, price = l.Price }),
            refund = new { payment_method_id = method.Id, amount = lines.Sum(l => l.Price) },
            note = "The customer will receive an email with instructions for sending the items back.",
        };
        if (apply)
        {
            order.Status = OrderStatus.ReturnRequested;
            order.ReturnItemIds = request.ItemIds!.Order(StringComparer.Ordinal).ToList();
            order.ReturnPaymentMethodId = method.Id;
        }
        return (null, summary);
    }

    private async Task<(string?, object?)> ChangeItemsAsync(ShopDbContext db, Order order, Customer customer, ChangeRequest request, bool exchange, bool apply, CancellationToken ct)
    {
        var gate = exchange ? DeliveredGate(order, "exchanged") : PendingGate(order, "modified");
        if (gate is not null)
        {
            return (gate, null);
        }
        if (ItemsProblem(order, request.ItemIds) is { } problem)
        {
            return (problem, null);
        }
        var oldIds = request.ItemIds!;
        var newIds = request.NewItemIds ?? [];
        if (newIds.Count != oldIds.Count)
        {
            return ($"Each item needs exactly one new item: {oldIds.Count} item(s) given but {newIds.Count} new item(s).", null);
        }
        var lines = TakeLines(order, oldIds);
        var variants = await db.Variants.AsNoTracking().Where(v => newIds.Contains(v.Id)).ToDictionaryAsync(v => v.Id, ct);
        var pairs = new List<(OrderItem Line, ProductVariant Variant)>();
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (newIds[i] == line.ItemId)
            {
                return ($"New item {newIds[i]} is the same as the current item; choose a different option of {line.Name}.", null);
            }
            if (!variants.TryGetValue(newIds[i], out var variant) || variant.ProductId != line.ProductId)
            {
                return ($"Item {newIds[i]} is not an option of {line.Name} (product {line.ProductId}); an item can only be changed to another option of the same product.", null);
            }
            if (!variant.Available)
            {
                return ($"Item {newIds[i]} ({line.Name}: {variant.DescribeOptions()}) is not available.", null);
            }
            pairs.Add((line, variant));
        }
        if (OwnMethod(customer, request.PaymentMethodId) is not { } method)
        {
            return (UnknownMethod(request.PaymentMethodId), null);
        }
        var difference = pairs.Sum(p => p.Variant.Price - p.Line.Price);
        if (method.Kind == PaymentMethodKind.GiftCard && (method.Balance ?? 0) < difference)
        {
            return (Money($"Gift card {method.Id} has a balance of {method.Balance ?? 0:0.00}, which does not cover the price difference of {difference:0.00}."), null);
        }
        var action = exchange ? OrderActionNames.Exchange : OrderActionNames.ModifyItems;
        var summary = new
        {
            action,
            order_id = order.Id,
            status = new { from = order.Status.ToDisplay(), to = (exchange ? OrderStatus.ExchangeRequested : OrderStatus.PendingItemsModified).ToDisplay() },
            items = pairs.Select(p => new
            {
                name = p.Line.Name,
                from = new { item_id = p.Line.ItemId, options = p.Line.Options, price = p.Line.Price },
                to = new { item_id = p.Variant.Id, options = p.Variant.Options, price = p.Variant.Price },
            }),
            price_difference = difference,
            settlement = difference > 0 ? new { payment_method_id = method.Id, charge = difference, refund = 0m } : new { payment_method_id = method.Id, charge = 0m, refund = -difference },
            warning = exchange
                ? "An order can be exchanged only once: make sure every item to exchange is in this list."
                : "Items of an order can be modified only once, and the order cannot be cancelled or modified afterwards: make sure every item to change is in this list.",
        };
        if (apply)
        {
            if (exchange)
            {
                order.Status = OrderStatus.ExchangeRequested;
                order.ExchangeItemIds = oldIds.Order(StringComparer.Ordinal).ToList();
                order.ExchangeNewItemIds = newIds.Order(StringComparer.Ordinal).ToList();
                order.ExchangePaymentMethodId = method.Id;
                order.ExchangePriceDifference = difference;
            }
            else
            {
                // τ-retail records the settlement even when the difference is zero (as a refund of 0).
                AddTransaction(order, difference > 0 ? TransactionKind.Payment : TransactionKind.Refund, Math.Abs(difference), method.Id);
                if (method.Kind == PaymentMethodKind.GiftCard)
                {
                    method.Balance = (method.Balance ?? 0) - difference;
                }
                foreach (var (line, variant) in pairs)
                {
                    line.ItemId = variant.Id;
                    line.Price = variant.Price;
                    line.Options = new Dictionary<string, string>(variant.Options);
                }
                order.Status = OrderStatus.PendingItemsModified;
            }
        }
        return (null, summary);
    }

    private static string? ItemsProblem(Order order, List<string>? itemIds)
    {
        if (itemIds is null || itemIds.Count == 0)
        {
            return "List the item ids to change (from the order's items).";
        }
        foreach (var group in itemIds.GroupBy(i => i))
        {
            var present = order.Items.Count(i => i.ItemId == group.Key);
            if (present < group.Count())
            {
                return present == 0
                    ? $"Item {group.Key} is not in order {order.Id}."
                    : $"Order {order.Id} has {present} of item {group.Key}, not {group.Count()}.";
            }
        }
        return null;
    }

    /// <summary>Distinct order lines for the requested item ids, in request order (a variant bought twice maps to two lines).</summary>
    private static List<OrderItem> TakeLines(Order order, List<string> itemIds)
    {
        var used = new HashSet<long>();
        var lines = new List<OrderItem>();
        foreach (var id in itemIds)
        {
            var line = order.Items.OrderBy(i => i.Line).First(i => i.ItemId == id && !used.Contains(i.Id == 0 ? i.Line : i.Id));
            used.Add(line.Id == 0 ? line.Line : line.Id);
            lines.Add(line);
        }
        return lines;
    }

    private void AddTransaction(Order order, TransactionKind kind, decimal amount, string methodId)
    {
        order.Payments.Add(new PaymentTransaction
        {
            OrderId = order.Id,
            Sequence = order.Payments.Count == 0 ? 0 : order.Payments.Max(p => p.Sequence) + 1,
            Kind = kind,
            Amount = amount,
            PaymentMethodId = methodId,
            CreatedAt = time.GetUtcNow(),
        });
    }

    private static PaymentMethod? OwnMethod(Customer customer, string? id) =>
        customer.PaymentMethods.FirstOrDefault(p => string.Equals(p.Id, id?.Trim(), StringComparison.OrdinalIgnoreCase));

    private static string UnknownMethod(string? id) =>
        $"'{id}' is not one of the customer's payment methods; use an id from the customer's details (e.g. credit_card_..., paypal_..., gift_card_...).";

    private static string RefundTiming(Customer customer, string methodId) =>
        OwnMethod(customer, methodId)?.Kind == PaymentMethodKind.GiftCard ? "immediately (gift card)" : "5 to 7 business days";

    private static string? AddressProblem(Address? address)
    {
        if (address is null)
        {
            return "An address needs address1, city, state, country and zip.";
        }
        var missing = new[] { ("address1", address.Address1), ("city", address.City), ("state", address.State), ("country", address.Country), ("zip", address.Zip) }
            .Where(f => string.IsNullOrWhiteSpace(f.Item2)).Select(f => f.Item1).ToList();
        return missing.Count == 0 ? null : $"The address is missing: {string.Join(", ", missing)}.";
    }

    private static ChangeRequest Normalize(ChangeRequest request) => request with
    {
        Action = request.Action.Trim(),
        OrderId = request.OrderId is null ? null : NormalizeOrderId(request.OrderId),
        ItemIds = request.ItemIds?.Select(i => i.Trim()).ToList(),
        NewItemIds = request.NewItemIds?.Select(i => i.Trim()).ToList(),
        PaymentMethodId = request.PaymentMethodId?.Trim(),
        Address = request.Address is null ? null : new Address
        {
            Address1 = request.Address.Address1.Trim(),
            Address2 = request.Address.Address2?.Trim() ?? "",
            City = request.Address.City.Trim(),
            State = request.Address.State.Trim(),
            Country = request.Address.Country.Trim(),
            Zip = request.Address.Zip.Trim(),
        },
    };

    /// <summary>Accepts <c>#W1234567</c>, <c>W1234567</c> or <c>1234567</c>.</summary>
    public static string NormalizeOrderId(string orderId)
    {
        var trimmed = (orderId ?? "").Trim();
        var m = BareOrderId().Match(trimmed);
        return m.Success ? "#W" + m.Groups[1].Value : trimmed;
    }

    private static async Task<Order?> FindOrderAsync(ShopDbContext db, string customerId, string orderId, bool tracked, CancellationToken ct)
    {
        var id = NormalizeOrderId(orderId);
        var query = db.Orders.Include(o => o.Items).Include(o => o.Fulfillments).Include(o => o.Payments).AsSplitQuery();
        // The owner is part of the lookup itself: another customer's order is indistinguishable from a missing one.
        var order = await (tracked ? query : query.AsNoTracking()).FirstOrDefaultAsync(o => o.Id == id && o.CustomerId == customerId, ct);
        if (order is not null)
        {
            order.Items.Sort((a, b) => a.Line.CompareTo(b.Line));
            order.Payments.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        }
        return order;
    }

    private static string OrderNotFound(string? orderId) =>
        $"No order {NormalizeOrderId(orderId ?? "")} was found for this customer. Check the order id (it looks like #W1234567) or list the customer's orders.";

    public static object OrderView(Order order) => new
    {
        order_id = order.Id,
        user_id = order.CustomerId,
        status = order.Status.ToDisplay(),
        address = AddressView(order.ShippingAddress),
        items = order.Items.OrderBy(i => i.Line).Select(i => new { name = i.Name, product_id = i.ProductId, item_id = i.ItemId, price = i.Price, options = i.Options }),
        total = order.Total,
        fulfillments = order.Fulfillments.Select(f => new { tracking_id = f.TrackingIds, item_ids = f.ItemIds }),
        payment_history = order.Payments.OrderBy(p => p.Sequence).Select(p => new { transaction_type = p.Kind == TransactionKind.Payment ? "payment" : "refund", amount = p.Amount, payment_method_id = p.PaymentMethodId }),
        cancel_reason = order.CancelReason,
        return_items = order.ReturnItemIds.Count > 0 ? order.ReturnItemIds : null,
        return_payment_method_id = order.ReturnPaymentMethodId,
        exchange_items = order.ExchangeItemIds.Count > 0 ? order.ExchangeItemIds : null,
        exchange_new_items = order.ExchangeNewItemIds.Count > 0 ? order.ExchangeNewItemIds : null,
        exchange_payment_method_id = order.ExchangePaymentMethodId,
        exchange_price_difference = order.ExchangePriceDifference,
    };

    private static object AddressView(Address a) => new { address1 = a.Address1, address2 = a.Address2, city = a.City, state = a.State, country = a.Country, zip = a.Zip };

    private static object PaymentMethodView(PaymentMethod p) => new
    {
        id = p.Id,
        source = PaymentMethod.KindName(p.Kind),
        brand = p.Brand,
        last_four = p.LastFour,
        balance = p.Balance,
    };

    private static string Money(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^#?[Ww]?(\d{5,})$")]
    private static partial Regex BareOrderId();
}
