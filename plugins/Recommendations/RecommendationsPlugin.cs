using System.ComponentModel;
using ChatAgent.Shop.Conversations;
using ChatAgent.Shop.Plugins;
using ChatAgent.Shop.Recommendations;
using Microsoft.SemanticKernel;

namespace ChatAgent.Plugins.Recommendations;

/// <summary>
/// Recommendations, each with the reason it was picked; sold-out products are never recommended. Personal picks are
/// only for the conversation's verified customer (verify through the orders plugin first).
/// </summary>
[ChatAgentPlugin("recommendations", Description = "Similar products, frequently bought together, personal picks for the verified customer, best sellers.")]
public sealed class RecommendationsPlugin(RecommendationService recommendations, CustomerSession session)
{
    [KernelFunction("similar_products"), Description("Finds products similar to a product (by description and by what its buyers also bought).")]
    public async Task<string> SimilarAsync(
        [Description("Product id")] string product_id,
        [Description("How many (default 5)")] int? count = null,
        CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(product_id))
        {
            return ToolResult.Refused("give the product id to find similar products for.");
        }
        var items = await recommendations.SimilarAsync(product_id.Trim(), count, cancellationToken);
        return Result(items, items.Count == 0 ? $"no similar products in stock for '{product_id}' (unknown id, or nothing close is available)" : null);
    }

    [KernelFunction("frequently_bought_together"), Description("Finds products often bought in the same order as the given products (e.g. what the customer is looking at or has in their cart).")]
    public async Task<string> BoughtTogetherAsync(
        [Description("Product ids")] string[] product_ids,
        [Description("How many (default 5)")] int? count = null,
        CancellationToken cancellationToken = default)
    {
        var ids = (product_ids ?? []).Where(id => !string.IsNullOrWhiteSpace(id)).Select(id => id.Trim()).Distinct().ToList();
        if (ids.Count == 0)
        {
            return ToolResult.Refused("give at least one product id.");
        }
        var items = await recommendations.BoughtTogetherAsync(ids, count, cancellationToken);
        return Result(items, items.Count == 0 ? "no products in stock are often bought with these" : null);
    }

    [KernelFunction("recommend_for_customer"), Description("Personal picks for the verified customer from their order history (best sellers if they have none). Requires a verified customer.")]
    public async Task<string> ForCustomerAsync([Description("How many (default 5)")] int? count = null, CancellationToken cancellationToken = default)
    {
        var customerId = await session.GetVerifiedCustomerIdAsync(cancellationToken);
        if (customerId is null)
        {
            return ToolResult.Refused("personal picks need a verified customer: verify the customer first (email, or name and zip); best sellers are available without verification.");
        }
        var items = await recommendations.ForCustomerAsync(customerId, count, cancellationToken);
        return Result(items, null);
    }

    [KernelFunction("popular_products"), Description("Lists the best sellers of recent weeks that are in stock.")]
    public async Task<string> PopularAsync([Description("How many (default 5)")] int? count = null, CancellationToken cancellationToken = default) =>
        Result(await recommendations.PopularAsync(count, cancellationToken), null);

    private static string Result(IReadOnlyList<RecommendedProduct> items, string? note) => ToolResult.Ok(new
    {
        count = items.Count,
        products = items.Select(p => new
        {
            product_id = p.ProductId,
            name = p.Name,
            price = p.PriceFrom == p.PriceTo ? $"{p.PriceFrom:0.00}" : $"{p.PriceFrom:0.00}-{p.PriceTo:0.00}",
            why = p.Reason,
        }),
        note,
    });
}
