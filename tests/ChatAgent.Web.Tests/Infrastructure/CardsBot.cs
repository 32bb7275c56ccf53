using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Service;
using ChatAgent.Orchestration.Replies;
using ChatAgent.Shop.Plugins;

namespace ChatAgent.Web.Tests.Infrastructure;

/// <summary>
/// The echo bot, plus two replies the browser tests need without a catalogue: "show me laptops" answers with the
/// product cards <see cref="ProductCards"/> builds from a search_products result, and "which order" with the
/// customer's orders as suggested actions.
/// </summary>
internal sealed class CardsBot(ProductCards cards) : IBot
{
    public const string ShowProducts = "show me laptops";
    public const string WhichOrder = "which order";

    private readonly SimpleBot _echo = new();

    public static string SearchResult() => ToolResult.Ok(new
    {
        query = "laptops",
        count = 2,
        products = new object[]
        {
            new
            {
                product_id = "4760268021",
                name = "Laptop",
                price = "768.27-1014.45",
                in_stock = true,
                variants = new[]
                {
                    new { item_id = "1", options = new Dictionary<string, string> { ["color"] = "silver" }, price = 768.27m, available = true },
                    new { item_id = "2", options = new Dictionary<string, string> { ["color"] = "black" }, price = 1014.45m, available = true },
                },
            },
            new { product_id = "2635605237", name = "Gaming Laptop", price = "1199.00", in_stock = true, variants = Array.Empty<object>() },
        },
    });

    public async Task OnTurnAsync(ITurnContext turn, CancellationToken cancellationToken)
    {
        var text = turn.Activity.Text?.Trim() ?? string.Empty;
        if (text.Equals(ShowProducts, StringComparison.OrdinalIgnoreCase))
        {
            await turn.SendAsync(new Activity
            {
                Text = "Here is what I found:",
                AttachmentLayout = "carousel",
                Attachments = [.. cards.FromSearchResult(SearchResult())],
            }, cancellationToken);
            return;
        }
        if (text.Equals(WhichOrder, StringComparison.OrdinalIgnoreCase))
        {
            await turn.SendAsync(new Activity
            {
                Text = "Which order is it?",
                SuggestedActions = new SuggestedActions { Actions = [CardAction.ImBack("#W8771299 (shipped)", "#W8771299"), CardAction.ImBack("#W2611340 (pending)", "#W2611340")] },
            }, cancellationToken);
            return;
        }
        await _echo.OnTurnAsync(turn, cancellationToken);
    }
}
