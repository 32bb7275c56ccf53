using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Shop.Import;

/// <summary>
/// Imports the τ-retail mock store (<c>db.json</c>: <c>{"products":{...},"users":{...},"orders":{...}}</c>).
/// Each product, user and order is validated on its own; a bad one is rejected with its reason and the import goes on.
/// Idempotent: rows whose id is already in the store are left as they are.
/// </summary>
public sealed partial class TauRetailImporter(ShopDbContext db, TimeProvider? time = null)
{
    private const int BatchSize = 250;
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Imports <paramref name="path"/>; progress goes to <paramref name="progress"/> (null: silent).</summary>
    public async Task<ImportReport> ImportFileAsync(string path, ImportProgress? progress = null, CancellationToken cancellationToken = default)
    {
        await using var stream = File.OpenRead(path);
        return await ImportAsync(stream, progress, cancellationToken);
    }

    public async Task<ImportReport> ImportAsync(Stream json, ImportProgress? progress = null, CancellationToken cancellationToken = default)
    {
        var report = new ImportReport();
        progress ??= ImportProgress.Silent();
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(json, cancellationToken: cancellationToken);
        }
        catch (JsonException e)
        {
            report.Reject("file", $"not valid JSON: {e.Message}");
            return report;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                report.Reject("file", "expected a JSON object with \"products\", \"users\" and \"orders\"");
                return report;
            }
            var products = Section(root, "products", report);
            var users = Section(root, "users", report);
            var orders = Section(root, "orders", report);
            progress.Total = products.Count + users.Count + orders.Count;

            db.ChangeTracker.AutoDetectChangesEnabled = false;
            var knownVariants = await ImportProductsAsync(products, report, progress, cancellationToken);
            var knownCustomers = await ImportUsersAsync(users, report, progress, cancellationToken);
            await ImportOrdersAsync(orders, knownVariants, knownCustomers, report, progress, cancellationToken);
            db.ChangeTracker.AutoDetectChangesEnabled = true;
        }
        progress.Complete();
        return report;
    }

    private static List<(string Key, JsonElement Value)> Section(JsonElement root, string name, ImportReport report)
    {
        if (!root.TryGetProperty(name, out var section))
        {
            report.Reject(name, $"section \"{name}\" is missing");
            return [];
        }
        if (section.ValueKind != JsonValueKind.Object)
        {
            report.Reject(name, $"section \"{name}\" must be an object keyed by id");
            return [];
        }
        return section.EnumerateObject().Select(p => (p.Name, p.Value)).ToList();
    }

    private async Task<Dictionary<string, (string ProductId, string Name)>> ImportProductsAsync(List<(string Key, JsonElement Value)> rows, ImportReport report, ImportProgress progress, CancellationToken ct)
    {
        var existingProducts = (await db.Products.AsNoTracking().Select(p => p.Id).ToListAsync(ct)).ToHashSet();
        var existingVariants = (await db.Variants.AsNoTracking().Select(v => v.Id).ToListAsync(ct)).ToHashSet();
        var known = await db.Variants.AsNoTracking().Select(v => new { v.Id, v.ProductId, v.Product!.Name }).ToDictionaryAsync(v => v.Id, v => (v.ProductId, v.Name), ct);
        var pending = 0;
        foreach (var (key, value) in rows)
        {
            ct.ThrowIfCancellationRequested();
            report.CountRead();
            progress.Advance();
            var row = $"products[{key}]";
            try
            {
                var id = RequiredString(value, "product_id");
                if (id != key)
                {
                    throw new RowException($"product_id '{id}' differs from its key '{key}'");
                }
                var product = new Product { Id = id, Name = RequiredString(value, "name"), CreatedAt = _time.GetUtcNow() };
                if (!value.TryGetProperty("variants", out var variants) || variants.ValueKind != JsonValueKind.Object)
                {
                    throw new RowException("\"variants\" must be an object keyed by item id");
                }
                foreach (var v in variants.EnumerateObject())
                {
                    var itemId = RequiredString(v.Value, "item_id");
                    if (itemId != v.Name)
                    {
                        throw new RowException($"variant item_id '{itemId}' differs from its key '{v.Name}'");
                    }
                    if (product.Variants.Any(x => x.Id == itemId) || (!existingProducts.Contains(id) && existingVariants.Contains(itemId)))
                    {
                        throw new RowException($"item id {itemId} is used twice");
                    }
                    product.Variants.Add(new ProductVariant
                    {
                        Id = itemId,
                        ProductId = id,
                        Options = Options(v.Value, "options"),
                        Price = Money(v.Value, "price"),
                        Available = RequiredBool(v.Value, "available"),
                    });
                }
                if (product.Variants.Count == 0)
                {
                    throw new RowException("product has no variants");
                }
                if (!existingProducts.Add(id))
                {
                    report.CountAlreadyPresent();
                    continue;
                }
                db.Products.Add(product);
                foreach (var variant in product.Variants)
                {
                    existingVariants.Add(variant.Id);
                    known[variant.Id] = (id, product.Name);
                }
                report.CountInserted();
                if (++pending >= BatchSize)
                {
                    await FlushAsync(ct);
                    pending = 0;
                }
            }
            catch (RowException e)
            {
                report.Reject(row, e.Message);
            }
        }
        await FlushAsync(ct);
        return known;
    }

    private async Task<HashSet<string>> ImportUsersAsync(List<(string Key, JsonElement Value)> rows, ImportReport report, ImportProgress progress, CancellationToken ct)
    {
        var existing = (await db.Customers.AsNoTracking().Select(c => c.Id).ToListAsync(ct)).ToHashSet();
        var existingMethods = (await db.PaymentMethods.AsNoTracking().Select(p => p.Id).ToListAsync(ct)).ToHashSet();
        var pending = 0;
        foreach (var (key, value) in rows)
        {
            ct.ThrowIfCancellationRequested();
            report.CountRead();
            progress.Advance();
            var row = $"users[{key}]";
            try
            {
                var id = value.TryGetProperty("user_id", out _) ? RequiredString(value, "user_id") : key;
                if (id != key)
                {
                    throw new RowException($"user_id '{id}' differs from its key '{key}'");
                }
                if (!value.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.Object)
                {
                    throw new RowException("\"name\" must be an object with first_name and last_name");
                }
                var email = RequiredString(value, "email").ToLowerInvariant();
                if (!EmailPattern().IsMatch(email))
                {
                    throw new RowException($"email '{email}' is not an email address");
                }
                var customer = new Customer
                {
                    Id = id,
                    FirstName = RequiredString(name, "first_name"),
                    LastName = RequiredString(name, "last_name"),
                    Email = email,
                    Address = ReadAddress(value, "address"),
                    CreatedAt = _time.GetUtcNow(),
                };
                if (value.TryGetProperty("payment_methods", out var methods) && methods.ValueKind == JsonValueKind.Object)
                {
                    foreach (var m in methods.EnumerateObject())
                    {
                        var source = RequiredString(m.Value, "source");
                        var kind = source switch
                        {
                            "credit_card" => PaymentMethodKind.CreditCard,
                            "paypal" => PaymentMethodKind.PayPal,
                            "gift_card" => PaymentMethodKind.GiftCard,
                            _ => throw new RowException($"payment method {m.Name}: unknown source '{source}' (expected credit_card, paypal or gift_card)"),
                        };
                        if (!existing.Contains(id) && existingMethods.Contains(m.Name))
                        {
                            throw new RowException($"payment method id {m.Name} already belongs to another customer");
                        }
                        customer.PaymentMethods.Add(new PaymentMethod
                        {
                            Id = m.Name,
                            CustomerId = id,
                            Kind = kind,
                            Brand = kind == PaymentMethodKind.CreditCard ? OptionalString(m.Value, "brand") : null,
                            LastFour = kind == PaymentMethodKind.CreditCard ? OptionalString(m.Value, "last_four") : null,
                            Balance = kind == PaymentMethodKind.GiftCard ? Money(m.Value, "balance") : null,
                        });
                    }
                }
                else
                {
                    throw new RowException("\"payment_methods\" must be an object keyed by payment method id");
                }
                if (!existing.Add(id))
                {
                    report.CountAlreadyPresent();
                    continue;
                }
                foreach (var m in customer.PaymentMethods)
                {
                    existingMethods.Add(m.Id);
                }
                db.Customers.Add(customer);
                report.CountInserted();
                if (++pending >= BatchSize)
                {
                    await FlushAsync(ct);
                    pending = 0;
                }
            }
            catch (RowException e)
            {
                report.Reject(row, e.Message);
            }
        }
        await FlushAsync(ct);
        return existing;
    }

    private async Task ImportOrdersAsync(List<(string Key, JsonElement Value)> rows, Dictionary<string, (string ProductId, string Name)> variants, HashSet<string> customers, ImportReport report, ImportProgress progress, CancellationToken ct)
    {
        var existing = (await db.Orders.AsNoTracking().Select(o => o.Id).ToListAsync(ct)).ToHashSet();
        var pending = 0;
        var now = _time.GetUtcNow();
        foreach (var (key, value) in rows)
        {
            ct.ThrowIfCancellationRequested();
            report.CountRead();
            progress.Advance();
            var row = $"orders[{key}]";
            try
            {
                var id = RequiredString(value, "order_id");
                if (id != key)
                {
                    throw new RowException($"order_id '{id}' differs from its key '{key}'");
                }
                if (!OrderIdPattern().IsMatch(id))
                {
                    throw new RowException($"order id '{id}' does not look like #W1234567");
                }
                var userId = RequiredString(value, "user_id");
                if (!customers.Contains(userId))
                {
                    throw new RowException($"user '{userId}' is not in the store");
                }
                var statusText = RequiredString(value, "status");
                if (!OrderStatusNames.TryParse(statusText, out var status))
                {
                    throw new RowException($"status '{statusText}' is not one of: {string.Join(", ", Enum.GetValues<OrderStatus>().Select(s => s.ToDisplay()))}");
                }
                var order = new Order { Id = id, CustomerId = userId, Status = status, ShippingAddress = ReadAddress(value, "address"), CreatedAt = now, UpdatedAt = now };
                var line = 0;
                foreach (var item in RequiredArray(value, "items"))
                {
                    var itemId = RequiredString(item, "item_id");
                    var productId = RequiredString(item, "product_id");
                    if (!variants.TryGetValue(itemId, out var variant))
                    {
                        throw new RowException($"item {itemId} is not a known variant");
                    }
                    if (variant.ProductId != productId)
                    {
                        throw new RowException($"item {itemId} belongs to product {variant.ProductId}, not {productId}");
                    }
                    order.Items.Add(new OrderItem
                    {
                        OrderId = id,
                        Line = line++,
                        ProductId = productId,
                        ItemId = itemId,
                        Name = OptionalString(item, "name") ?? variant.Name,
                        Price = Money(item, "price"),
                        Options = Options(item, "options"),
                    });
                }
                if (order.Items.Count == 0)
                {
                    throw new RowException("order has no items");
                }
                if (value.TryGetProperty("fulfillments", out var fulfillments) && fulfillments.ValueKind == JsonValueKind.Array)
                {
                    foreach (var f in fulfillments.EnumerateArray())
                    {
                        order.Fulfillments.Add(new Fulfillment { OrderId = id, TrackingIds = StringList(f, "tracking_id"), ItemIds = StringList(f, "item_ids") });
                    }
                }
                var sequence = 0;
                foreach (var p in RequiredArray(value, "payment_history"))
                {
                    var type = RequiredString(p, "transaction_type");
                    order.Payments.Add(new PaymentTransaction
                    {
                        OrderId = id,
                        Sequence = sequence++,
                        Kind = type switch
                        {
                            "payment" => TransactionKind.Payment,
                            "refund" => TransactionKind.Refund,
                            _ => throw new RowException($"transaction_type '{type}' is not payment or refund"),
                        },
                        Amount = Money(p, "amount"),
                        PaymentMethodId = RequiredString(p, "payment_method_id"),
                        CreatedAt = now,
                    });
                }
                if (order.Payments.Count == 0)
                {
                    throw new RowException("order has no payment");
                }
                order.CancelReason = OptionalString(value, "cancel_reason");
                if (!existing.Add(id))
                {
                    report.CountAlreadyPresent();
                    continue;
                }
                db.Orders.Add(order);
                report.CountInserted();
                if (++pending >= BatchSize)
                {
                    await FlushAsync(ct);
                    pending = 0;
                }
            }
            catch (RowException e)
            {
                report.Reject(row, e.Message);
            }
        }
        await FlushAsync(ct);
    }

    private async Task FlushAsync(CancellationToken ct)
    {
        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
    }

    private static Address ReadAddress(JsonElement value, string property)
    {
        if (!value.TryGetProperty(property, out var a) || a.ValueKind != JsonValueKind.Object)
        {
            throw new RowException($"\"{property}\" must be an object with address1, address2, city, state, country, zip");
        }
        return new Address
        {
            Address1 = RequiredString(a, "address1"),
            Address2 = OptionalString(a, "address2") ?? "",
            City = RequiredString(a, "city"),
            State = RequiredString(a, "state"),
            Country = RequiredString(a, "country"),
            Zip = RequiredString(a, "zip"),
        };
    }

    private static string RequiredString(JsonElement value, string property)
    {
        if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(property, out var p) || p.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(p.GetString()))
        {
            throw new RowException($"\"{property}\" is missing or not a non-empty string");
        }
        return p.GetString()!.Trim();
    }

    private static string? OptionalString(JsonElement value, string property) =>
        value.ValueKind == JsonValueKind.Object && value.TryGetProperty(property, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;

    private static bool RequiredBool(JsonElement value, string property) =>
        value.TryGetProperty(property, out var p) && p.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? p.GetBoolean()
            : throw new RowException($"\"{property}\" is missing or not true/false");

    private static decimal Money(JsonElement value, string property)
    {
        if (!value.TryGetProperty(property, out var p) || p.ValueKind != JsonValueKind.Number || !p.TryGetDecimal(out var amount))
        {
            throw new RowException($"\"{property}\" is missing or not a number");
        }
        if (amount < 0 || amount > 1_000_000)
        {
            throw new RowException(string.Create(CultureInfo.InvariantCulture, $"\"{property}\" {amount} is out of range"));
        }
        return Math.Round(amount, 2);
    }

    private static IEnumerable<JsonElement> RequiredArray(JsonElement value, string property) =>
        value.TryGetProperty(property, out var p) && p.ValueKind == JsonValueKind.Array
            ? p.EnumerateArray().ToList()
            : throw new RowException($"\"{property}\" is missing or not a list");

    private static List<string> StringList(JsonElement value, string property) =>
        RequiredArray(value, property).Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw new RowException($"\"{property}\" must hold strings")).ToList();

    private static Dictionary<string, string> Options(JsonElement value, string property)
    {
        if (!value.TryGetProperty(property, out var p) || p.ValueKind != JsonValueKind.Object)
        {
            throw new RowException($"\"{property}\" is missing or not an object");
        }
        return p.EnumerateObject().ToDictionary(o => o.Name, o => o.Value.ValueKind == JsonValueKind.String ? o.Value.GetString()! : o.Value.GetRawText());
    }

    [GeneratedRegex(@"^#W\d{7}$")]
    private static partial Regex OrderIdPattern();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailPattern();

    private sealed class RowException(string message) : Exception(message);
}
