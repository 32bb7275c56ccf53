using System.Globalization;
using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Shop.Import;

/// <summary>
/// Imports a Shopify product-export CSV (Handle, Title, Body (HTML), Vendor, Type, Tags, Option1..3 Name/Value,
/// Variant SKU, Variant Price, Variant Inventory Qty, Variant Inventory Policy, ...). A product's first row carries its
/// title and option names; later rows with the same Handle carry further variants; image-only rows are skipped.
/// Products are keyed by Handle and variants by SKU (else by Handle and option values), so a re-import updates what
/// changed and adds nothing twice. Each bad row is rejected with its reason; the rest of the file still imports.
/// </summary>
public sealed class ShopifyProductImporter(ShopDbContext db, TimeProvider? time = null)
{
    private const int BatchSize = 200;
    private const int MaxIdLength = 64;
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Tags per imported product id (the store has no tag column; search indexes them).</summary>
    public Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);

    private sealed record Row(long Line, string Handle, CsvRecord Record);

    /// <summary>Imports <paramref name="path"/>; progress counts rows.</summary>
    public async Task<ImportReport> ImportFileAsync(string path, ImportProgress? progress = null, CancellationToken cancellationToken = default)
    {
        var report = new ImportReport();
        progress ??= ImportProgress.Silent();
        using var table = new CsvTable(path);
        var c = new Columns(table);
        if (c.Handle < 0 || c.Price < 0)
        {
            report.Reject("header", $"not a Shopify product export: it needs the columns Handle and Variant Price (found: {string.Join(", ", table.Header)})");
            return report;
        }

        // Group rows by Handle in file order: a product's rows follow each other in Shopify exports, but nothing relies on it.
        var products = new Dictionary<string, List<Row>>(StringComparer.Ordinal);
        var order = new List<string>();
        while (table.TryRead(out var record))
        {
            if (record.Error is not null)
            {
                report.CountRead();
                report.Reject($"line {record.Line}", record.Error);
                continue;
            }
            var handle = record[c.Handle];
            if (handle is null)
            {
                report.CountRead();
                report.Reject($"line {record.Line}", "missing Handle");
                continue;
            }
            if (!products.TryGetValue(handle, out var rows))
            {
                products[handle] = rows = [];
                order.Add(handle);
            }
            rows.Add(new Row(record.Line, handle, record));
        }
        progress.Total = products.Values.Sum(r => r.Count) + report.Read;
        progress.Advance(report.Read);

        foreach (var batch in order.Chunk(BatchSize))
        {
            var existing = await db.Products.Include(p => p.Variants).Where(p => batch.Contains(p.Id)).ToDictionaryAsync(p => p.Id, cancellationToken);
            foreach (var handle in batch)
            {
                await ImportProductAsync(handle, products[handle], c, existing.GetValueOrDefault(handle), report, cancellationToken);
                progress.Advance(products[handle].Count);
            }
            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
        }
        progress.Complete();
        return report;
    }

    private async Task ImportProductAsync(string handle, List<Row> rows, Columns c, Product? product, ImportReport report, CancellationToken cancellationToken)
    {
        var first = rows[0].Record;
        if (handle.Length > MaxIdLength)
        {
            foreach (var row in rows)
            {
                report.CountRead();
                report.Reject($"line {row.Line}", $"Handle longer than {MaxIdLength} characters: {handle[..20]}...");
            }
            return;
        }
        var title = first[c.Title];
        if (product is null && title is null)
        {
            foreach (var row in rows)
            {
                report.CountRead();
                report.Reject($"line {row.Line}", $"product {handle} has no Title on its first row");
            }
            return;
        }

        var isNew = product is null;
        product ??= new Product { Id = handle, Name = title!, CreatedAt = _time.GetUtcNow() };
        var productChanged = false;
        void Set(string? value, Func<string?> get, Action<string?> set)
        {
            if (value is not null && value != get())
            {
                set(value);
                productChanged = true;
            }
        }
        Set(title, () => product.Name, v => product.Name = v!);
        Set(first[c.Body], () => product.Description, v => product.Description = v);
        Set(first[c.Vendor], () => product.Vendor, v => product.Vendor = v);
        Set(first[c.Type] ?? first[c.Category], () => product.Category, v => product.Category = v);

        var optionNames = new[] { first[c.Option1Name], first[c.Option2Name], first[c.Option3Name] };
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var added = 0;
        foreach (var row in rows)
        {
            var r = row.Record;
            // Rows with neither a price nor option values only add images to the product.
            if (r[c.Price] is null && r[c.Option1Value] is null && r[c.Sku] is null)
            {
                continue;
            }
            report.CountRead();
            var where = $"line {row.Line}";
            if (!decimal.TryParse(r[c.Price], NumberStyles.Number, CultureInfo.InvariantCulture, out var price) || price < 0)
            {
                report.Reject(where, $"Variant Price is not a non-negative number: '{r[c.Price]}' (product {handle})");
                continue;
            }
            int? quantity = null;
            if (r[c.Quantity] is { } quantityText)
            {
                if (!int.TryParse(quantityText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var q))
                {
                    report.Reject(where, $"Variant Inventory Qty is not a whole number: '{quantityText}' (product {handle})");
                    continue;
                }
                quantity = q;
            }

            var options = new Dictionary<string, string>(StringComparer.Ordinal);
            int[] valueColumns = [c.Option1Value, c.Option2Value, c.Option3Value];
            var missingName = false;
            for (var i = 0; i < 3; i++)
            {
                var value = r[valueColumns[i]];
                // Shopify writes "Title"/"Default Title" for products without options.
                if (value is null || (optionNames[i] == "Title" && value == "Default Title"))
                {
                    continue;
                }
                if (optionNames[i] is null)
                {
                    missingName = true;
                    break;
                }
                options[optionNames[i]!.Trim().ToLowerInvariant()] = value;
            }
            if (missingName)
            {
                report.Reject(where, $"an option value has no option name on the product's first row (product {handle})");
                continue;
            }
            var combination = string.Join("/", options.Values);
            if (!seen.Add(combination))
            {
                report.Reject(where, $"duplicate variant {(combination.Length == 0 ? "(no options)" : combination)} of product {handle}");
                continue;
            }

            var sku = r[c.Sku];
            var id = sku ?? (combination.Length == 0 ? handle : $"{handle}/{combination}".ToLowerInvariant().Replace(' ', '-'));
            if (id.Length > MaxIdLength)
            {
                report.Reject(where, $"variant id longer than {MaxIdLength} characters: {id[..20]}...");
                continue;
            }
            var policy = r[c.Policy];
            var tracked = r[c.Tracker] is not null || quantity is not null;
            var available = !tracked || quantity > 0 || string.Equals(policy, "continue", StringComparison.OrdinalIgnoreCase);

            var variant = product.Variants.FirstOrDefault(v => v.Id == id);
            if (variant is null)
            {
                if (await db.Variants.AsNoTracking().Where(v => v.Id == id).Select(v => v.ProductId).FirstOrDefaultAsync(cancellationToken) is { } owner && owner != product.Id)
                {
                    report.Reject(where, $"SKU {id} already belongs to product {owner}");
                    continue;
                }
                product.Variants.Add(new ProductVariant { Id = id, ProductId = product.Id, Options = options, Price = price, Available = available, Sku = sku });
                added++;
                report.CountInserted();
            }
            else if (variant.Price != price || variant.Available != available || variant.Sku != sku || !SameOptions(variant.Options, options))
            {
                (variant.Price, variant.Available, variant.Sku, variant.Options) = (price, available, sku, options);
                report.CountUpdated();
            }
            else if (productChanged && !isNew)
            {
                report.CountUpdated();
            }
            else
            {
                report.CountAlreadyPresent();
            }
        }

        if (isNew && added > 0)
        {
            db.Products.Add(product);
        }
        if ((!isNew || added > 0) && first[c.Tags] is { } tags)
        {
            Tags[handle] = tags;
        }
    }

    private static bool SameOptions(Dictionary<string, string> a, Dictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private sealed class Columns(CsvTable t)
    {
        public int Handle { get; } = t.Column("Handle");
        public int Title { get; } = t.Column("Title");
        public int Body { get; } = t.Column("Body (HTML)", "Body HTML", "Body");
        public int Vendor { get; } = t.Column("Vendor");
        public int Type { get; } = t.Column("Type");
        public int Category { get; } = t.Column("Product Category");
        public int Tags { get; } = t.Column("Tags");
        public int Option1Name { get; } = t.Column("Option1 Name");
        public int Option1Value { get; } = t.Column("Option1 Value");
        public int Option2Name { get; } = t.Column("Option2 Name");
        public int Option2Value { get; } = t.Column("Option2 Value");
        public int Option3Name { get; } = t.Column("Option3 Name");
        public int Option3Value { get; } = t.Column("Option3 Value");
        public int Sku { get; } = t.Column("Variant SKU");
        public int Price { get; } = t.Column("Variant Price");
        public int Quantity { get; } = t.Column("Variant Inventory Qty");
        public int Policy { get; } = t.Column("Variant Inventory Policy");
        public int Tracker { get; } = t.Column("Variant Inventory Tracker");
    }
}
