using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Shop.Formatting;

namespace ChatAgent.Orchestration.Replies;

/// <summary>
/// Turns a <c>search_products</c> (or similar-products) tool result into Bot Framework hero cards
/// (<c>application/vnd.microsoft.card.hero</c>): the product's name as title, its price range in the shop's
/// currency as subtitle, its option values as text, its picture when the catalogue has one, a button to the
/// product page and one that asks the bot about it. The widget and Bot Framework Web Chat both draw these.
/// </summary>
/// <remarks>
/// Works on the JSON as the tools write it (snake_case) and tolerates the fields the search may add or omit
/// (<c>understood</c>, <c>exact</c>, <c>alternatives</c> with <c>why</c>): a consumer never depends on them.
/// </remarks>
public sealed class ProductCards(ShopFormat format, string productPageTemplate = ProductCards.DefaultProductPageTemplate)
{
    /// <summary>The product page link; <c>{id}</c> is replaced by the product id (URL-escaped).</summary>
    public const string DefaultProductPageTemplate = "/shop/products/{id}";

    /// <summary>The Bot Framework content type of a hero card.</summary>
    public const string HeroCardContentType = "application/vnd.microsoft.card.hero";

    /// <summary>At most this many cards in one reply (a carousel, not a catalogue).</summary>
    public const int MaxCards = 5;

    /// <summary>Cards for the products in <paramref name="toolResultJson"/>; empty when it has none or is not JSON.</summary>
    public IReadOnlyList<Attachment> FromSearchResult(string? toolResultJson)
    {
        if (string.IsNullOrWhiteSpace(toolResultJson))
        {
            return [];
        }
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(toolResultJson);
        }
        catch (JsonException)
        {
            return [];
        }
        return FromSearchResult(root);
    }

    /// <inheritdoc cref="FromSearchResult(string?)"/>
    public IReadOnlyList<Attachment> FromSearchResult(JsonNode? root)
    {
        if (root is not JsonObject result)
        {
            return [];
        }
        // Exact matches first; when none fit, the nearest alternatives with why they miss.
        var products = (result["products"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        if (products.Count == 0 && result["alternatives"] is JsonArray alternatives)
        {
            products = alternatives.OfType<JsonObject>().ToList();
        }
        return products.Select(Card).OfType<Attachment>().Take(MaxCards).ToList();
    }

    /// <summary>One product's card, or null when the product has no id or name.</summary>
    public Attachment? Card(JsonObject product)
    {
        ArgumentNullException.ThrowIfNull(product);
        var id = Text(product["product_id"]) ?? Text(product["id"]);
        var name = Text(product["name"]);
        if (id is null || name is null)
        {
            return null;
        }

        var card = new JsonObject { ["title"] = name };
        if (PriceLine(product) is { } price)
        {
            card["subtitle"] = price;
        }
        var details = new List<string>();
        if (OptionsLine(product) is { } options)
        {
            details.Add(options);
        }
        if (product["in_stock"] is JsonValue stock && stock.TryGetValue<bool>(out var inStock) && !inStock)
        {
            details.Add("Out of stock");
        }
        if (Text(product["why"]) is { } why)
        {
            details.Add(why);
        }
        if (details.Count > 0)
        {
            card["text"] = string.Join("\n\n", details);
        }
        if ((Text(product["image"]) ?? Text(product["image_url"])) is { } image)
        {
            card["images"] = new JsonArray(new JsonObject { ["url"] = image, ["alt"] = name });
        }
        card["buttons"] = new JsonArray(
            new JsonObject { ["type"] = "openUrl", ["title"] = "View product", ["value"] = ProductPage(id) },
            new JsonObject { ["type"] = "imBack", ["title"] = "Tell me more", ["value"] = $"Tell me more about {name}" });
        return new Attachment { ContentType = HeroCardContentType, Content = card };
    }

    /// <summary>The product page link for <paramref name="productId"/>.</summary>
    public string ProductPage(string productId) =>
        productPageTemplate.Replace("{id}", Uri.EscapeDataString(productId), StringComparison.Ordinal);

    private string? PriceLine(JsonObject product)
    {
        var prices = (product["variants"] as JsonArray)?.OfType<JsonObject>()
            .Select(v => Number(v["price"])).OfType<decimal>().ToList() ?? [];
        if (prices.Count > 0)
        {
            return format.MoneyRange(prices.Min(), prices.Max());
        }
        // "12.00" or "12.00-15.00" as the tool writes it.
        var text = Text(product["price"]);
        if (text is null)
        {
            return Number(product["price"]) is { } single ? format.Money(single) : null;
        }
        var parts = text.Split('-', 2, StringSplitOptions.TrimEntries);
        if (parts.All(p => decimal.TryParse(p, NumberStyles.Number, CultureInfo.InvariantCulture, out _)))
        {
            var low = decimal.Parse(parts[0], CultureInfo.InvariantCulture);
            var high = decimal.Parse(parts[^1], CultureInfo.InvariantCulture);
            return format.MoneyRange(low, high);
        }
        return null;
    }

    private static string? OptionsLine(JsonObject product)
    {
        var byName = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var variant in (product["variants"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            if (variant["options"] is not JsonObject options)
            {
                continue;
            }
            foreach (var (optionName, value) in options)
            {
                if (Text(value) is not { } optionValue)
                {
                    continue;
                }
                if (!byName.TryGetValue(optionName, out var values))
                {
                    byName[optionName] = values = [];
                }
                if (!values.Contains(optionValue, StringComparer.OrdinalIgnoreCase))
                {
                    values.Add(optionValue);
                }
            }
        }
        if (byName.Count == 0)
        {
            return null;
        }
        var line = string.Join(" · ", byName.Select(o => $"{o.Key}: {string.Join(", ", o.Value.Take(6))}{(o.Value.Count > 6 ? ", …" : "")}"));
        if (Number(product["more_variants"]) is { } more && more > 0)
        {
            line += $" (+{more} more)";
        }
        return line;
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text) ? text.Trim() : null;

    private static decimal? Number(JsonNode? node)
    {
        if (node is not JsonValue value)
        {
            return null;
        }
        if (value.TryGetValue<decimal>(out var number))
        {
            return number;
        }
        return value.TryGetValue<string>(out var text) && decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out number) ? number : null;
    }
}
