using System.Text.Json.Nodes;
using ChatAgent.Orchestration.Replies;
using ChatAgent.Shop;
using ChatAgent.Shop.Formatting;
using ChatAgent.Shop.Plugins;
using Microsoft.Extensions.Options;

namespace ChatAgent.Orchestration.Tests;

/// <summary>search_products results become hero cards: name, price range in the shop's currency, options, link, picture.</summary>
public sealed class ProductCardsTests
{
    // The shape ProductsPlugin.search_products writes (through ToolResult), plus the fields the search may add.
    private static string SearchResult(bool withImage = false) => ToolResult.Ok(new
    {
        query = "laptop",
        count = 2,
        understood = "under $1,100",
        exact = true,
        products = new object[]
        {
            new
            {
                product_id = "4760268021",
                name = "Laptop",
                category = "Electronics",
                price = "768.27-1014.45",
                in_stock = true,
                image = withImage ? "https://shop.example/img/laptop.jpg" : null,
                variants = new[]
                {
                    new { item_id = "1", options = new Dictionary<string, string> { ["color"] = "silver", ["storage"] = "256GB" }, price = 768.27m, available = true },
                    new { item_id = "2", options = new Dictionary<string, string> { ["color"] = "black", ["storage"] = "1TB" }, price = 1014.45m, available = true },
                },
                more_variants = 3,
            },
            new
            {
                product_id = "9523456873",
                name = "T-Shirt",
                category = (string?)null,
                price = "19.99",
                in_stock = false,
                image = (string?)null,
                variants = Array.Empty<object>(),
                more_variants = 0,
            },
        },
    });

    [Fact]
    public void Each_product_becomes_a_hero_card_with_price_in_the_shops_currency_options_and_a_product_link()
    {
        var cards = new ProductCards(ShopFormat.Default).FromSearchResult(SearchResult());

        Assert.Equal(2, cards.Count);
        Assert.All(cards, c => Assert.Equal("application/vnd.microsoft.card.hero", c.ContentType));
        var laptop = cards[0].Content!.AsObject();
        Assert.Equal("Laptop", laptop["title"]!.GetValue<string>());
        Assert.Equal("$768.27–$1,014.45", laptop["subtitle"]!.GetValue<string>());
        Assert.Equal("color: silver, black · storage: 256GB, 1TB (+3 more)", laptop["text"]!.GetValue<string>());
        Assert.Null(laptop["images"]);
        var buttons = laptop["buttons"]!.AsArray();
        Assert.Equal("openUrl", buttons[0]!["type"]!.GetValue<string>());
        Assert.Equal("/shop/products/4760268021", buttons[0]!["value"]!.GetValue<string>());
        Assert.Equal("imBack", buttons[1]!["type"]!.GetValue<string>());
        Assert.Equal("Tell me more about Laptop", buttons[1]!["value"]!.GetValue<string>());

        var shirt = cards[1].Content!.AsObject();
        Assert.Equal("$19.99", shirt["subtitle"]!.GetValue<string>()); // from the tool's price text when no variant is listed
        Assert.Equal("Out of stock", shirt["text"]!.GetValue<string>());
    }

    [Fact]
    public void The_currency_follows_the_shop_and_an_image_is_shown_when_the_catalogue_has_one()
    {
        var euros = new ShopFormat(Options.Create(new ShopOptions { Currency = "EUR", Culture = "de-DE" }));
        var card = new ProductCards(euros, "https://shop.example/p/{id}").FromSearchResult(SearchResult(withImage: true))[0].Content!.AsObject();

        Assert.Equal("768,27 €–1.014,45 €", card["subtitle"]!.GetValue<string>());
        Assert.Equal("https://shop.example/img/laptop.jpg", card["images"]![0]!["url"]!.GetValue<string>());
        Assert.Equal("https://shop.example/p/4760268021", card["buttons"]![0]!["value"]!.GetValue<string>());
    }

    [Fact]
    public void When_nothing_fits_exactly_the_alternatives_become_cards_that_say_why()
    {
        var json = ToolResult.Ok(new
        {
            query = "blue laptop under 50",
            count = 0,
            exact = false,
            products = Array.Empty<object>(),
            alternatives = new[] { new { product_id = "4760268021", name = "Laptop", price = "768.27", why = "$768.27, above $50" } },
        });
        var card = Assert.Single(new ProductCards(ShopFormat.Default).FromSearchResult(json)).Content!.AsObject();
        Assert.Equal("$768.27", card["subtitle"]!.GetValue<string>());
        Assert.Equal("$768.27, above $50", card["text"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{\"error\":\"the price range is not valid.\"}")]
    [InlineData("[1,2]")]
    [InlineData("{\"products\":[{\"name\":\"no id\"}]}")]
    public void A_refusal_or_anything_else_gives_no_cards(string? json) =>
        Assert.Empty(new ProductCards(ShopFormat.Default).FromSearchResult(json));

    [Fact]
    public void At_most_five_cards()
    {
        var many = new JsonObject
        {
            ["products"] = new JsonArray(Enumerable.Range(1, 9).Select(i => (JsonNode)new JsonObject { ["product_id"] = $"p{i}", ["name"] = $"Product {i}", ["price"] = "1.00" }).ToArray()),
        };
        Assert.Equal(ProductCards.MaxCards, new ProductCards(ShopFormat.Default).FromSearchResult(many).Count);
    }
}
