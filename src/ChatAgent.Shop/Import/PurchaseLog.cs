using System.Globalization;
using ChatAgent.Shop.Recommendations;

namespace ChatAgent.Shop.Import;

/// <summary>One validated line of a purchase log.</summary>
public sealed record PurchaseLine(string OrderKey, int LineNumber, string CustomerKey, string Sku, int Quantity, decimal? UnitPrice, DateTime At)
{
    public Purchase ToPurchase(string productKey) => new(CustomerKey, OrderKey, productKey, At, Quantity);
}

/// <summary>
/// Reads a purchase log: either one CSV with a row per order line (order_id, customer_id, sku, quantity, purchased_at,
/// unit_price), or order lines plus a separate orders file holding customer and time per order, as in the Online
/// Retail data (<c>order_lines.csv</c>: invoice_no, stock_code, quantity, unit_price_gbp; <c>orders.csv</c>:
/// invoice_no, customer_id, invoice_datetime, country, is_cancellation). Each bad row is rejected with its reason.
/// </summary>
public static class PurchaseLog
{
    private static readonly string[] OrderColumns = ["order_id", "order", "invoice_no", "invoice", "orderid"];
    private static readonly string[] CustomerColumns = ["customer_id", "customer", "customerid", "user_id"];
    private static readonly string[] TimeColumns = ["purchased_at", "invoice_datetime", "created_at", "date", "timestamp", "ordered_at"];
    private static readonly string[] SkuColumns = ["sku", "stock_code", "product_id", "item_id", "variant_sku"];
    private static readonly string[] QuantityColumns = ["quantity", "qty"];
    private static readonly string[] PriceColumns = ["unit_price", "unit_price_gbp", "price"];
    private static readonly string[] CancellationColumns = ["is_cancellation", "cancelled"];

    /// <summary>The orders file that goes with <paramref name="linesPath"/>: <c>orders.csv</c> beside it, if there is one.</summary>
    public static string? FindOrdersFile(string linesPath)
    {
        var candidate = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(linesPath)) ?? ".", "orders.csv");
        return File.Exists(candidate) && !string.Equals(Path.GetFullPath(candidate), Path.GetFullPath(linesPath), StringComparison.Ordinal) ? candidate : null;
    }

    /// <summary>Reads and validates every line; rejections go to <paramref name="report"/>, progress to <paramref name="progress"/>.</summary>
    public static List<PurchaseLine> Read(string linesPath, string? ordersPath, ImportReport report, ImportProgress? progress = null)
    {
        var orders = ordersPath is null ? null : ReadOrders(ordersPath, report);
        using var table = new CsvTable(linesPath);
        var order = Require(table, OrderColumns, "order id");
        var sku = Require(table, SkuColumns, "product SKU");
        var quantity = Require(table, QuantityColumns, "quantity");
        var price = table.Column(PriceColumns);
        var customer = table.Column(CustomerColumns);
        var time = table.Column(TimeColumns);
        if (orders is null && (customer < 0 || time < 0))
        {
            throw new InvalidDataException($"{linesPath}: without an orders file the lines need customer and time columns ({CustomerColumns[0]}, {TimeColumns[0]}); found: {string.Join(", ", table.Header)}.");
        }

        var lines = new List<PurchaseLine>();
        var lineInOrder = new Dictionary<string, int>(StringComparer.Ordinal);
        while (table.TryRead(out var row))
        {
            report.CountRead();
            ReportProgress(progress, table);
            if (row.Error is not null)
            {
                report.Reject($"line {row.Line}", row.Error);
                continue;
            }

            var orderKey = row[order];
            if (orderKey is null)
            {
                report.Reject($"line {row.Line}", "missing order id");
                continue;
            }
            // Numbering lines within an order is what makes a re-import recognise rows it already has.
            var number = lineInOrder[orderKey] = lineInOrder.GetValueOrDefault(orderKey) + 1;
            var skuValue = row[sku];
            if (skuValue is null)
            {
                report.Reject($"line {row.Line}", $"missing SKU: order {orderKey}");
                continue;
            }
            if (!int.TryParse(row[quantity], NumberStyles.Integer, CultureInfo.InvariantCulture, out var qty))
            {
                report.Reject($"line {row.Line}", $"quantity is not a whole number: '{row[quantity]}'");
                continue;
            }
            if (qty <= 0)
            {
                report.Reject($"line {row.Line}", $"not a purchase (quantity {qty} ≤ 0, a return or cancellation): order {orderKey}");
                continue;
            }
            decimal? unitPrice = null;
            if (row[price] is { } priceText)
            {
                if (!decimal.TryParse(priceText, NumberStyles.Number, CultureInfo.InvariantCulture, out var p) || p < 0)
                {
                    report.Reject($"line {row.Line}", $"unit price is not a non-negative number: '{priceText}'");
                    continue;
                }
                unitPrice = p;
            }

            string? customerKey;
            DateTime at;
            if (orders is not null)
            {
                if (!orders.TryGetValue(orderKey, out var header))
                {
                    report.Reject($"line {row.Line}", $"order not in the orders file: {orderKey}");
                    continue;
                }
                if (header.Cancelled)
                {
                    report.Reject($"line {row.Line}", $"cancelled order: {orderKey}");
                    continue;
                }
                (customerKey, at) = (header.Customer, header.At);
            }
            else
            {
                customerKey = row[customer];
                if (customerKey is null)
                {
                    report.Reject($"line {row.Line}", $"missing customer id: order {orderKey}");
                    continue;
                }
                if (!TryParseTime(row[time], out at))
                {
                    report.Reject($"line {row.Line}", $"purchase time is not a date: '{row[time]}'");
                    continue;
                }
            }
            lines.Add(new PurchaseLine(orderKey, number, customerKey, skuValue, qty, unitPrice, at));
        }
        if (progress is not null)
        {
            progress.Total = progress.Done;
            progress.Complete();
        }
        return lines;
    }

    /// <summary>The Online Retail log as purchases of goods (stock codes that start with a digit; POST, M, BANK CHARGES... are fees).</summary>
    public static List<Purchase> ReadOnlineRetail(string folder)
    {
        var report = new ImportReport();
        return Read(Path.Combine(folder, "order_lines.csv"), Path.Combine(folder, "orders.csv"), report)
            .Where(l => char.IsAsciiDigit(l.Sku[0]))
            .Select(l => l.ToPurchase(l.Sku))
            .ToList();
    }

    // The row count is unknown until the end: estimate it from the bytes read so far, which gives a steady ETA.
    private static void ReportProgress(ImportProgress? progress, CsvTable table)
    {
        if (progress is not null)
        {
            if ((progress.Done & 1023) == 0 && table.Position > 0)
            {
                progress.Total = Math.Max(progress.Done + 1, (long)(table.Length * ((progress.Done + 1) / (double)table.Position)));
            }
            progress.Advance();
        }
    }

    private sealed record OrderHeader(string Customer, DateTime At, bool Cancelled);

    private static Dictionary<string, OrderHeader> ReadOrders(string path, ImportReport report)
    {
        using var table = new CsvTable(path);
        var order = Require(table, OrderColumns, "order id");
        var customer = Require(table, CustomerColumns, "customer id");
        var time = Require(table, TimeColumns, "order time");
        var cancelled = table.Column(CancellationColumns);
        var orders = new Dictionary<string, OrderHeader>(StringComparer.Ordinal);
        while (table.TryRead(out var row))
        {
            // Bad order headers surface as rejected lines of the log ("order not in the orders file"); counting them twice would mislead.
            if (row.Error is null && row[order] is { } key && row[customer] is { } who && TryParseTime(row[time], out var at))
            {
                var isCancelled = row[cancelled] is "1" or "true" or "True" || key.StartsWith('C');
                orders.TryAdd(key, new OrderHeader(who, at, isCancelled));
            }
        }
        return orders;
    }

    private static bool TryParseTime(string? text, out DateTime at) =>
        DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out at);

    private static int Require(CsvTable table, string[] names, string what)
    {
        var index = table.Column(names);
        return index >= 0 ? index : throw new InvalidDataException($"{table.Path}: no {what} column (expected one of {string.Join(", ", names)}; found {string.Join(", ", table.Header)}).");
    }
}
