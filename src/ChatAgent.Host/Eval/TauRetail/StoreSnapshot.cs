using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ChatAgent.Shop;
using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Host.Eval.TauRetail;

/// <summary>
/// Everything a τ-retail action can change in the store — every order (status, address, items and prices, payments,
/// return and exchange requests) and every customer (default address, payment methods and gift card balances) — one
/// canonical line per row, hashed as τ-bench hashes its database.
/// </summary>
public sealed class StoreSnapshot
{
    private StoreSnapshot(SortedDictionary<string, string> rows)
    {
        Rows = rows;
        var text = string.Join("\n", rows.Select(r => $"{r.Key}={r.Value}"));
        Hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>Row key ("order #W…", "customer …") → canonical content.</summary>
    public IReadOnlyDictionary<string, string> Rows { get; }

    /// <summary>SHA-256 of all rows.</summary>
    public string Hash { get; }

    /// <summary>Reads the whole store.</summary>
    public static async Task<StoreSnapshot> TakeAsync(IDbContextFactory<ShopDbContext> factory, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var rows = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var orders = await db.Orders.AsNoTracking().AsSplitQuery().Include(o => o.Items).Include(o => o.Payments).ToListAsync(ct);
        foreach (var o in orders)
        {
            rows[$"order {o.Id}"] = string.Join(" | ",
                o.Status.ToDisplay(),
                o.ShippingAddress.ToString(),
                "items " + string.Join(",", o.Items.Select(i => $"{i.ItemId}@{Money(i.Price)}").Order(StringComparer.Ordinal)),
                "payments " + string.Join(",", o.Payments.OrderBy(p => p.Sequence).Select(p => $"{p.Kind} {Money(p.Amount)} {p.PaymentMethodId}")),
                $"cancel {o.CancelReason}",
                $"return {string.Join(",", o.ReturnItemIds.Order(StringComparer.Ordinal))} to {o.ReturnPaymentMethodId}",
                $"exchange {string.Join(",", o.ExchangeItemIds.Order(StringComparer.Ordinal))} for {string.Join(",", o.ExchangeNewItemIds.Order(StringComparer.Ordinal))} via {o.ExchangePaymentMethodId} diff {(o.ExchangePriceDifference is { } d ? Money(d) : "")}");
        }
        var customers = await db.Customers.AsNoTracking().Include(c => c.PaymentMethods).ToListAsync(ct);
        foreach (var c in customers)
        {
            rows[$"customer {c.Id}"] = string.Join(" | ",
                c.Address.ToString(),
                "payment methods " + string.Join(",", c.PaymentMethods.OrderBy(p => p.Id, StringComparer.Ordinal).Select(p => $"{p.Id}:{p.Kind}{(p.Balance is { } b ? " " + Money(b) : "")}")));
        }
        return new StoreSnapshot(rows);
    }

    /// <summary>The rows that differ from <paramref name="expected"/>, at most <paramref name="limit"/>, as "key: ours ≠ expected".</summary>
    public IReadOnlyList<string> Differences(StoreSnapshot expected, int limit = 20)
    {
        var keys = Rows.Keys.Union(expected.Rows.Keys).Order(StringComparer.Ordinal);
        var diffs = new List<string>();
        foreach (var key in keys)
        {
            var ours = Rows.GetValueOrDefault(key);
            var theirs = expected.Rows.GetValueOrDefault(key);
            if (ours != theirs)
            {
                diffs.Add($"{key}: got [{ours ?? "missing"}], expected [{theirs ?? "missing"}]");
                if (diffs.Count == limit)
                {
                    break;
                }
            }
        }
        return diffs;
    }

    private static string Money(decimal d) => d.ToString("0.00", CultureInfo.InvariantCulture);
}
