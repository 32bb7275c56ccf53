using System.ComponentModel;
using ChatAgent.Shop;
using ChatAgent.Shop.Formatting;
using ChatAgent.Shop.Plugins;
using ChatAgent.Shop.Search;
using Microsoft.SemanticKernel;

namespace ChatAgent.Plugins.Products;

/// <summary>
/// The catalogue: hybrid search (keywords and meaning) with price, stock and option filters, product details and
/// availability. Needs no verified customer: nothing here is personal.
/// </summary>
/// <remarks>Configured by <c>Plugins:products:DescriptionLength</c> (characters of description shown, default 500).</remarks>
[ChatAgentPlugin("products", Description = "Search the catalogue with filters; product details and availability.")]
public sealed class ProductsPlugin(ProductSearchService search, PluginSettings settings, ShopFormat? format = null)
{
    [KernelFunction("search_products"), Description("Searches the catalogue by what the customer describes (e.g. 'wireless earbuds under $50', 'blue t-shirt size M', 'warm jacket for hiking, not leather'), optionally filtered. Constraints written in the query (price caps, colours, sizes, 'cheapest', 'in stock') are understood too. Returns products with the variants (item ids) that match; 'exact' is false when nothing matches every constraint, and 'alternatives' then lists the nearest products with 'why' they miss.")]
    public async Task<string> SearchAsync(
        [Description("What the customer is looking for, in their words")] string query,
        [Description("Lowest price, if the customer gave one")] decimal? min_price = null,
        [Description("Highest price, if the customer gave one")] decimal? max_price = null,
        [Description("True to show only products that can be bought now")] bool in_stock_only = false,
        [Description("Option values the variant must have, as 'name=value' pairs separated by ';', e.g. 'color=blue; size=M'")] string? options = null,
        [Description("How many products to return (default 5)")] int? limit = null,
        CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(query) && string.IsNullOrWhiteSpace(options) && min_price is null && max_price is null)
        {
            return ToolResult.Refused("say what to search for: a description, an option such as color=blue, or a price range.");
        }
        if (min_price < 0 || max_price < 0 || (min_price is not null && max_price is not null && min_price > max_price))
        {
            return ToolResult.Refused($"the price range {min_price}–{max_price} is not valid.");
        }
        if (!TryParseOptions(options, out var wanted, out var problem))
        {
            return ToolResult.Refused(problem);
        }

        var result = await search.SearchAsync(new ProductSearchRequest(query, min_price, max_price, in_stock_only, wanted, limit), cancellationToken);
        return ToolResult.Ok(new
        {
            query,
            understood = result.Understood,
            exact = result.Exact,
            count = result.Hits.Count,
            products = result.Hits.Select(Describe),
            alternatives = result.Alternatives is { Count: > 0 } near ? near.Select(Describe) : null,
            note = result.Hits.Count > 0 ? null
                : result.Alternatives is { Count: > 0 } ? "nothing matches every constraint; say so plainly and offer the alternatives as such"
                : "no product matches; suggest other words or fewer filters",
        });
    }

    private ShopFormat Format => format ?? ShopFormat.Default;

    /// <summary>One product of a search result; <c>why</c> only on alternatives.</summary>
    private object Describe(ProductHit h) => new
    {
        product_id = h.ProductId,
        name = h.Name,
        category = h.Category,
        price = Format.MoneyRange(h.PriceFrom, h.PriceTo),
        in_stock = h.InStock,
        variants = h.MatchingVariants.Select(v => new { item_id = v.VariantId, options = v.Options, price = v.Price, price_text = Format.Money(v.Price), available = v.Available }),
        more_variants = h.VariantCount > h.MatchingVariants.Count ? h.VariantCount - h.MatchingVariants.Count : (int?)null,
        why = h.Why,
    };

    [KernelFunction("get_product_details"), Description("Gets a product's description and every variant (item id, options, price, availability), by product id or item id.")]
    public async Task<string> GetProductDetailsAsync([Description("Product id or item id")] string product_id, CancellationToken cancellationToken = default)
    {
        var product = string.IsNullOrWhiteSpace(product_id) ? null : await search.FindProductAsync(product_id, cancellationToken);
        if (product is null)
        {
            return ToolResult.Refused($"no product or item with id '{product_id}'.");
        }
        var length = settings.Get("DescriptionLength", 500);
        var description = CatalogFilters.PlainText(product.Description);
        return ToolResult.Ok(new
        {
            product_id = product.Id,
            name = product.Name,
            category = product.Category,
            vendor = product.Vendor,
            description = description.Length > length ? description[..length] + "…" : description,
            options = product.Variants.SelectMany(v => v.Options).GroupBy(o => o.Key).ToDictionary(g => g.Key, g => g.Select(o => o.Value).Distinct().ToList()),
            variants = product.Variants.OrderBy(v => v.Price).Select(v => new { item_id = v.Id, options = v.Options, price = v.Price, available = v.Available }),
        });
    }

    [KernelFunction("check_availability"), Description("Tells whether a product (optionally with given option values) or a specific item can be bought now, and which variants are available.")]
    public async Task<string> CheckAvailabilityAsync(
        [Description("Product id or item id")] string product_id,
        [Description("Optional option values as 'name=value' pairs separated by ';', e.g. 'color=red; size=L'")] string? options = null,
        CancellationToken cancellationToken = default)
    {
        if (!TryParseOptions(options, out var wanted, out var problem))
        {
            return ToolResult.Refused(problem);
        }
        var product = string.IsNullOrWhiteSpace(product_id) ? null : await search.FindProductAsync(product_id, cancellationToken);
        if (product is null)
        {
            return ToolResult.Refused($"no product or item with id '{product_id}'.");
        }
        var item = product.Variants.FirstOrDefault(v => v.Id == product_id.Trim() || v.Sku == product_id.Trim());
        var candidates = item is not null ? [item] : product.Variants.Where(v => CatalogFilters.HasOptions(v, wanted)).ToList();
        return ToolResult.Ok(new
        {
            product_id = product.Id,
            name = product.Name,
            available = candidates.Any(v => v.Available),
            available_variants = candidates.Where(v => v.Available).Select(v => new { item_id = v.Id, options = v.Options, price = v.Price }),
            sold_out_variants = candidates.Count(v => !v.Available),
            note = candidates.Count == 0 ? "no variant has those option values" : null,
        });
    }

    private static bool TryParseOptions(string? text, out Dictionary<string, string>? options, out string problem)
    {
        options = null;
        problem = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }
        options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in text.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = pair.Split(['=', ':'], 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                problem = $"options must be 'name=value' pairs separated by ';' (e.g. 'color=blue; size=M'); '{pair}' is not one.";
                return false;
            }
            options[parts[0]] = parts[1];
        }
        return true;
    }
}
