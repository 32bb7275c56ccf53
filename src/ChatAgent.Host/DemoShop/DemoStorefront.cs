using ChatAgent.Orchestration.Replies;
using ChatAgent.Shop;
using ChatAgent.Shop.Formatting;
using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Host.DemoShop;

/// <summary>
/// What the demo page shows, read from the shop's own store: products with prices in the shop's currency
/// (<see cref="ShopFormat"/>), links to their pages, and a "try it" panel naming demo customers and sample questions.
/// Only generated demo customers (addresses at example.com) are ever listed, never an imported shop's real ones.
/// </summary>
public static class DemoStorefront
{
    /// <summary>The e-mail domain of the generated demo customers; nobody else is shown on the page.</summary>
    public const string DemoEmailDomain = "@example.com";

    public sealed record ProductView(string Id, string Name, string? Category, string Price, string Options, string Url, bool InStock);

    public sealed record DemoCustomerView(string Name, string Email, string Zip, string OrderId, string OrderStatus);

    public sealed record Storefront(string Currency, IReadOnlyList<ProductView> Products, IReadOnlyList<DemoCustomerView> Customers, IReadOnlyList<string> Questions);

    public static IEndpointRouteBuilder MapDemoStorefront(this IEndpointRouteBuilder app)
    {
        app.MapGet("/demo/storefront", GetStorefrontAsync).WithName("DemoStorefront")
            .WithSummary("The demo page's products (prices in the shop's currency), demo customers to try and sample questions.");
        app.MapGet("/demo/products/{id}", GetProductAsync).WithName("DemoProduct").WithSummary("One product of the demo page, with its variants.");
        // The product pages the bot's cards link to (ProductCards.DefaultProductPageTemplate).
        app.MapGet("/shop/products/{id}", (IWebHostEnvironment env) => Results.File(Path.Combine(env.WebRootPath, "shop", "product.html"), "text/html; charset=utf-8"))
            .WithName("DemoProductPage").ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> GetStorefrontAsync(IDbContextFactory<ShopDbContext> dbFactory, ShopFormat format, ProductCards cards, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var products = await db.Products.AsNoTracking().Include(p => p.Variants).OrderBy(p => p.Category).ThenBy(p => p.Name).Take(8).ToListAsync(ct);

        var customers = new List<DemoCustomerView>();
        foreach (var status in new[] { OrderStatus.Pending, OrderStatus.Delivered, OrderStatus.Processed })
        {
            var order = await db.Orders.AsNoTracking().Include(o => o.Customer)
                .Where(o => o.Status == status && o.Customer!.Email.EndsWith(DemoEmailDomain))
                .OrderBy(o => o.CustomerId).ThenBy(o => o.Id).FirstOrDefaultAsync(ct);
            if (order?.Customer is { } c)
            {
                customers.Add(new DemoCustomerView($"{c.FirstName} {c.LastName}", c.Email, c.Address.Zip, order.Id, status.ToDisplay()));
            }
        }

        var questions = new List<string> { "Where is my order?" };
        if (products.FirstOrDefault() is { } first)
        {
            questions.Add($"Do you have a {first.Name.ToLowerInvariant()}?");
        }
        questions.AddRange(["What is your return policy?", "How much is shipping?", "Talk to a person"]);
        return Results.Ok(new Storefront(format.Currency, [.. products.Select(p => View(p, format, cards))], customers, questions));
    }

    private static async Task<IResult> GetProductAsync(string id, IDbContextFactory<ShopDbContext> dbFactory, ShopFormat format, ProductCards cards, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var product = await db.Products.AsNoTracking().Include(p => p.Variants).FirstOrDefaultAsync(p => p.Id == id, ct);
        if (product is null)
        {
            return Results.NotFound(new { error = $"No product with id '{id}'." });
        }
        return Results.Ok(new
        {
            product = View(product, format, cards),
            description = product.Description,
            variants = product.Variants.OrderBy(v => v.Price).Select(v => new { options = v.DescribeOptions(), price = format.Money(v.Price), available = v.Available }),
        });
    }

    private static ProductView View(Product product, ShopFormat format, ProductCards cards)
    {
        var prices = product.Variants.Select(v => v.Price).DefaultIfEmpty(0m).ToList();
        var options = string.Join(" · ", product.Variants.SelectMany(v => v.Options)
            .GroupBy(o => o.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(o => o.Value).Distinct(StringComparer.OrdinalIgnoreCase).Take(4))}"));
        return new ProductView(product.Id, product.Name, product.Category, format.MoneyRange(prices.Min(), prices.Max()), options,
            cards.ProductPage(product.Id), product.Variants.Any(v => v.Available));
    }
}
