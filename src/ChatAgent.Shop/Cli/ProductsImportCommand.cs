using System.CommandLine;
using ChatAgent.Shop.Import;
using ChatAgent.Shop.Search;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.Shop.Cli;

/// <summary><c>chatagent import products FILE.csv</c> for a Shopify product export; then brings the search index up to date.</summary>
public static class ProductsImportCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "A Shopify product-export CSV (Handle, Title, Body (HTML), Vendor, Type, Tags, Option1 Name/Value.., Variant SKU, Variant Price, Variant Inventory Qty, ...)." };
        var noIndex = new Option<bool>("--no-index") { Description = "Skip embedding the imported products (run the import again, or start the host, to index them later)." };
        var command = new Command("products", "Import products and variants from a Shopify product-export CSV, then index them for search.") { file, noIndex };
        command.SetAction((parse, ct) => ShopCli.RunAsync(async services =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                await Console.Error.WriteLineAsync($"File not found: {path.FullName}");
                return 1;
            }
            await using var db = await services.GetRequiredService<IDbContextFactory<ShopDbContext>>().CreateDbContextAsync(ct);
            var importer = new ShopifyProductImporter(db);
            var report = await importer.ImportFileAsync(path.FullName, new ImportProgress(Console.Error, "products", null), ct);
            report.WriteTo(Console.Out);

            var indexer = services.GetRequiredService<CatalogIndexer>();
            await indexer.SetTagsAsync(importer.Tags, ct);
            if (!parse.GetValue(noIndex))
            {
                var index = await indexer.IndexAsync(new ImportProgress(Console.Error, "embedding products", null), ct);
                Console.WriteLine(index);
            }
            return report.Inserted + report.Updated + report.AlreadyPresent > 0 || report.Rejected.Count == 0 ? 0 : 1;
        }, ct));
        return command;
    }
}
