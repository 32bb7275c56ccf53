using System.CommandLine;
using ChatAgent.Shop.Import;
using ChatAgent.Shop.Search;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.Shop.Cli;

/// <summary><c>chatagent import purchases FILE</c>: a purchase log that recommendations learn from.</summary>
public static class PurchasesImportCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "Order lines: either order_id, customer_id, sku, quantity, purchased_at[, unit_price], or order lines with an orders file (e.g. ../shared/data/online-retail-uci/order_lines.csv)." };
        var orders = new Option<FileInfo?>("--orders") { Description = "Orders file with customer and time per order (default: orders.csv next to FILE, when present)." };
        var products = new Option<FileInfo?>("--products") { Description = "Create catalogue products missing for the log's SKUs from this file (stock_code, description, median_unit_price_gbp; or sku, name, price)." };
        var source = new Option<string?>("--source") { Description = "Name that keeps this log's order numbers apart from other logs (default: the folder and file name)." };
        var command = new Command("purchases", "Import a purchase log for recommendations (idempotent; bad lines are reported, not fatal).") { file, orders, products, source };
        command.SetAction((parse, ct) => ShopCli.RunAsync(async services =>
        {
            var path = parse.GetValue(file)!;
            var ordersFile = parse.GetValue(orders);
            var productsFile = parse.GetValue(products);
            foreach (var f in new[] { path, ordersFile, productsFile }.OfType<FileInfo>())
            {
                if (!f.Exists)
                {
                    await Console.Error.WriteLineAsync($"File not found: {f.FullName}");
                    return 1;
                }
            }
            var sourceName = parse.GetValue(source) ?? $"{path.Directory?.Name}/{Path.GetFileNameWithoutExtension(path.Name)}";
            if (sourceName.Length > 64)
            {
                sourceName = sourceName[^64..];
            }

            await using var db = await services.GetRequiredService<IDbContextFactory<ShopDbContext>>().CreateDbContextAsync(ct);
            var importer = new PurchaseLogImporter(db, services.GetRequiredService<CatalogIndexDbContextFactory>());
            var report = await importer.ImportAsync(path.FullName, ordersFile?.FullName ?? PurchaseLog.FindOrdersFile(path.FullName), productsFile?.FullName, sourceName,
                new ImportProgress(Console.Error, "purchases", null), ct);
            report.WriteTo(Console.Out);
            if (productsFile is not null)
            {
                var index = await services.GetRequiredService<CatalogIndexer>().IndexAsync(new ImportProgress(Console.Error, "embedding products", null), ct);
                Console.WriteLine(index);
            }
            return report.Inserted + report.AlreadyPresent > 0 || report.Rejected.Count == 0 ? 0 : 1;
        }, ct));
        return command;
    }
}
