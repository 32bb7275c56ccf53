using ChatAgent.ServiceDefaults;
using ChatAgent.Shop.DemoData;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ChatAgent.Shop;

/// <summary>Brings the store up to date at start-up: applies migrations (when <c>Database:MigrateOnStart</c>) and seeds the demo shop into an empty store (when <c>Shop:SeedDemoData</c>).</summary>
public sealed class ShopInitializer(IDbContextFactory<ShopDbContext> dbFactory, IOptions<DatabaseOptions> database, IOptions<ShopOptions> shop, ILogger<ShopInitializer>? logger = null)
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (database.Value.MigrateOnStart)
        {
            await db.Database.MigrateAsync(cancellationToken);
        }
        if (shop.Value.SeedDemoData && !await db.Customers.AnyAsync(cancellationToken) && !await db.Products.AnyAsync(cancellationToken))
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            var counts = await new DemoStoreGenerator(shop.Value.DemoSeed, shop.Value.DemoCustomers).SeedAsync(db, cancellationToken);
            _logger.LogInformation("Seeded the demo shop in {Elapsed} ms: {Customers} customers, {Products} products, {Variants} variants, {Orders} orders", started.ElapsedMilliseconds, counts.Customers, counts.Products, counts.Variants, counts.Orders);
        }
    }
}
