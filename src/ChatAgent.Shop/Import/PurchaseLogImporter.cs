using System.Globalization;
using ChatAgent.Shop.Search;
using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Shop.Import;

/// <summary>
/// Imports a purchase log (see <see cref="PurchaseLog"/> for the layouts) into the catalogue index's purchase table,
/// where recommendations learn from it. Each line must name a product of the catalogue (by variant SKU, variant id or
/// product id); with a products file (Online Retail's <c>products.csv</c>: stock_code, description,
/// median_unit_price_gbp; or sku, name, price) missing products are created first. Lines are keyed by source, order
/// and line number, so importing the same log again adds nothing.
/// </summary>
public sealed class PurchaseLogImporter(ShopDbContext shop, CatalogIndexDbContextFactory indexFactory, TimeProvider? time = null)
{
    private const int BatchSize = 5000;
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Imports <paramref name="linesPath"/> (with its orders file, if any) under <paramref name="source"/>.</summary>
    public async Task<ImportReport> ImportAsync(string linesPath, string? ordersPath, string? productsPath, string source, ImportProgress? progress = null, CancellationToken cancellationToken = default)
    {
        var report = new ImportReport();
        if (productsPath is not null)
        {
            await CreateProductsAsync(productsPath, report, cancellationToken);
        }
        var lines = PurchaseLog.Read(linesPath, ordersPath, report, progress);

        var productBySku = await ProductKeysAsync(cancellationToken);
        await using var index = indexFactory.CreateDbContext();
        index.ChangeTracker.AutoDetectChangesEnabled = false;
        var existing = (await index.Purchases.AsNoTracking().Where(p => p.Source == source).Select(p => new { p.OrderKey, p.Line }).ToListAsync(cancellationToken))
            .Select(p => (p.OrderKey, p.Line)).ToHashSet();

        var pending = 0;
        var customers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            if (!productBySku.TryGetValue(line.Sku, out var productId))
            {
                report.Reject($"order {line.OrderKey} line {line.LineNumber}", $"unknown SKU: {line.Sku} is not in the catalogue (import the products first, or pass --products)");
                continue;
            }
            if (line.OrderKey.Length > 64 || line.CustomerKey.Length > 64 || line.Sku.Length > 100)
            {
                report.Reject($"order {line.OrderKey[..Math.Min(20, line.OrderKey.Length)]} line {line.LineNumber}", "order, customer or SKU id too long");
                continue;
            }
            customers.Add(line.CustomerKey);
            if (!existing.Add((line.OrderKey, line.LineNumber)))
            {
                report.CountAlreadyPresent();
                continue;
            }
            index.Purchases.Add(new PurchaseRecord
            {
                Source = source, OrderKey = line.OrderKey, Line = line.LineNumber, CustomerKey = line.CustomerKey, Sku = line.Sku,
                ProductId = productId, Quantity = line.Quantity, UnitPrice = line.UnitPrice, PurchasedAt = new DateTimeOffset(DateTime.SpecifyKind(line.At, DateTimeKind.Utc)),
            });
            report.CountInserted();
            if (++pending == BatchSize)
            {
                await index.SaveChangesAsync(cancellationToken);
                index.ChangeTracker.Clear();
                pending = 0;
            }
        }
        await index.SaveChangesAsync(cancellationToken);
        report.CustomersCreated = await CreateCustomersAsync(customers, cancellationToken);
        return report;
    }

    /// <summary>
    /// A customer record (the log's id, empty name and email, so it can be verified only through an identity the shop
    /// binds, never by guessing) for every customer of the log the store lacks: personal recommendations need one.
    /// </summary>
    private async Task<int> CreateCustomersAsync(HashSet<string> customerKeys, CancellationToken cancellationToken)
    {
        var known = (await shop.Customers.AsNoTracking().Select(c => c.Id).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var now = _time.GetUtcNow();
        var added = 0;
        foreach (var key in customerKeys.Where(k => k.Length > 0 && !known.Contains(k)))
        {
            shop.Customers.Add(new Customer { Id = key, FirstName = "", LastName = "", Email = "", CreatedAt = now });
            if (++added % 1000 == 0)
            {
                await shop.SaveChangesAsync(cancellationToken);
                shop.ChangeTracker.Clear();
            }
        }
        await shop.SaveChangesAsync(cancellationToken);
        shop.ChangeTracker.Clear();
        return added;
    }

    /// <summary>Creates the catalogue products of a products file (Online Retail's <c>products.csv</c>) that are missing; no purchases.</summary>
    public async Task<ImportReport> ImportProductsAsync(string productsPath, CancellationToken cancellationToken = default)
    {
        var report = new ImportReport();
        await CreateProductsAsync(productsPath, report, cancellationToken);
        return report;
    }

    private async Task<Dictionary<string, string>> ProductKeysAsync(CancellationToken cancellationToken)
    {
        var keys = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var id in await shop.Products.AsNoTracking().Select(p => p.Id).ToListAsync(cancellationToken))
        {
            keys[id] = id;
        }
        foreach (var v in await shop.Variants.AsNoTracking().Select(v => new { v.Id, v.Sku, v.ProductId }).ToListAsync(cancellationToken))
        {
            keys[v.Id] = v.ProductId;
            if (v.Sku is not null)
            {
                keys[v.Sku] = v.ProductId;
            }
        }
        return keys;
    }

    /// <summary>Creates a one-variant product for every SKU of the products file that the catalogue lacks.</summary>
    private async Task CreateProductsAsync(string path, ImportReport report, CancellationToken cancellationToken)
    {
        using var table = new CsvTable(path);
        var sku = table.Column("stock_code", "sku", "product_id", "id");
        var name = table.Column("description", "name", "title");
        var price = table.Column("median_unit_price_gbp", "price", "unit_price");
        if (sku < 0 || name < 0)
        {
            report.Reject("products file", $"{path} needs a SKU column (stock_code or sku) and a name column (description or name); found: {string.Join(", ", table.Header)}");
            return;
        }
        var known = (await ProductKeysAsync(cancellationToken)).Keys.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var now = _time.GetUtcNow();
        var added = 0;
        while (table.TryRead(out var row))
        {
            var where = $"products line {row.Line}";
            if (row.Error is not null)
            {
                report.Reject(where, row.Error);
                continue;
            }
            var code = row[sku];
            var title = row[name];
            if (code is null || title is null)
            {
                report.Reject(where, "missing SKU or name");
                continue;
            }
            if (code.Length > 64 || title.Length > 300)
            {
                report.Reject(where, $"SKU or name too long: {code[..Math.Min(20, code.Length)]}");
                continue;
            }
            if (!known.Add(code))
            {
                continue;
            }
            var unitPrice = decimal.TryParse(row[price], NumberStyles.Number, CultureInfo.InvariantCulture, out var p) && p >= 0 ? p : 0m;
            var display = CultureInfo.InvariantCulture.TextInfo.ToTitleCase(title.ToLowerInvariant());
            shop.Products.Add(new Product
            {
                Id = code, Name = display, CreatedAt = now,
                Variants = [new ProductVariant { Id = code, ProductId = code, Sku = code, Price = unitPrice, Available = true }],
            });
            if (++added % 1000 == 0)
            {
                await shop.SaveChangesAsync(cancellationToken);
                shop.ChangeTracker.Clear();
            }
        }
        await shop.SaveChangesAsync(cancellationToken);
        shop.ChangeTracker.Clear();
    }
}
