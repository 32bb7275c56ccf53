using ChatAgent.Shop;
using ChatAgent.Shop.Formatting;
using ChatAgent.Shop.Search;
using Microsoft.Extensions.Options;

namespace ChatAgent.Search.Tests.Search;

/// <summary>The query parser on its own: what a shopper writes becomes filters; the rest stays text.</summary>
public sealed class SearchQueryParserTests
{
    private static OptionVocabulary Vocabulary()
    {
        var v = new OptionVocabulary();
        foreach (var (name, value) in new[]
        {
            ("color", "blue"), ("color", "light blue"), ("color", "black"), ("Colour", "forest green"), ("size", "M"), ("size", "L"), ("size", "XL"),
            ("frame size", "M"), ("material", "leather"), ("material", "stainless steel"), ("material", "non-stick"), ("band", "leather"), ("waist", "32"),
        })
        {
            v.Add(name, value);
        }
        return v;
    }

    [Theory]
    [InlineData("wireless earbuds under $50", null, "50", "USD", "wireless earbuds")]
    [InlineData("cheap candles less than £1", null, "1", "GBP", "candles")]
    [InlineData("a lamp between 20 and 40", "20", "40", null, "a lamp")]
    [InlineData("mugs from $5 to $10", "5", "10", "USD", "mugs")]
    [InlineData("gift over 100 euros", "100", null, "EUR", "gift")]
    [InlineData("tea towels 50p or less", null, "0.50", "GBP", "tea towels")]
    [InlineData("jacket £30-£60", "30", "60", "GBP", "jacket")]
    [InlineData("shoes under a pound", null, "1", "GBP", "shoes")]
    [InlineData("around $20 notebook", "16.00", "24.00", "USD", "notebook")]
    [InlineData("cable less than 2 m long", null, null, null, "cable less than 2 m long")]
    [InlineData("4-person tent", null, null, null, "4-person tent")]
    public void Prices_and_currencies_are_read(string query, string? min, string? max, string? currency, string text)
    {
        var parsed = SearchQueryParser.Parse(query);
        Assert.Equal(min is null ? null : decimal.Parse(min, System.Globalization.CultureInfo.InvariantCulture), parsed.MinPrice);
        Assert.Equal(max is null ? null : decimal.Parse(max, System.Globalization.CultureInfo.InvariantCulture), parsed.MaxPrice);
        Assert.Equal(currency, parsed.Currency);
        Assert.Equal(text, parsed.Text);
    }

    [Fact]
    public void Option_values_come_from_the_catalogue_vocabulary_and_short_ones_need_their_name()
    {
        var parsed = SearchQueryParser.Parse("blue t-shirt size M", Vocabulary());
        Assert.Equal([new OptionConstraint(null, "blue"), new OptionConstraint("size", "m")], parsed.OptionValues);
        Assert.Equal("t-shirt", parsed.Text);

        // "M" alone is a letter, not a size; "light blue" is one value; "forest green" under "Colour" is normalised.
        var other = SearchQueryParser.Parse("m light blue forest green jeans waist 32", Vocabulary());
        Assert.Equal([new OptionConstraint(null, "light blue"), new OptionConstraint(null, "forest green"), new OptionConstraint("waist", "32")], other.OptionValues);
        Assert.Equal("m jeans", other.Text);

        // A catalogue without that value leaves the word as text.
        Assert.Equal("purple hat", SearchQueryParser.Parse("purple hat", Vocabulary()).Text);
    }

    [Fact]
    public void Negations_sort_words_and_stock_are_read()
    {
        var parsed = SearchQueryParser.Parse("the cheapest watch, not leather, in stock", Vocabulary());
        Assert.Equal(["leather"], parsed.ExcludedValues);
        Assert.Equal(SearchSort.PriceAscending, parsed.Sort);
        Assert.True(parsed.InStockOnly);
        Assert.Equal("watch", parsed.Text);

        Assert.Equal(["stainless steel"], SearchQueryParser.Parse("kettle without stainless steel", Vocabulary()).ExcludedValues);
        Assert.Equal(["hood"], SearchQueryParser.Parse("jacket with no hood", Vocabulary()).ExcludedValues);
        var pan = SearchQueryParser.Parse("non-stick pan", Vocabulary());
        Assert.Empty(pan.ExcludedValues);
        Assert.Equal([new OptionConstraint(null, "non-stick")], pan.OptionValues);
        Assert.Equal(SearchSort.BestSelling, SearchQueryParser.Parse("best-selling mugs").Sort);
        Assert.Equal(SearchSort.PriceDescending, SearchQueryParser.Parse("most expensive sofa").Sort);
        Assert.False(SearchQueryParser.Parse("wireless earbuds").HasConstraints);
    }

    [Fact]
    public void Understood_text_uses_the_shop_format()
    {
        var parsed = SearchQueryParser.Parse("blue earbuds under £50 not leather cheapest", Vocabulary());
        var gbp = new ShopFormat(Options.Create(new ShopOptions { Currency = "GBP", Culture = "en-GB" }));
        Assert.Equal("under £50.00, color blue, not leather, cheapest first", SearchQueryParser.Describe(parsed, gbp, Vocabulary()));
        Assert.Equal("under $50.00, prices are in USD, not GBP, color blue, not leather, cheapest first", SearchQueryParser.Describe(parsed, ShopFormat.Default, Vocabulary()));
        Assert.Equal("", SearchQueryParser.Describe(SearchQueryParser.Parse("mugs"), ShopFormat.Default));
    }
}
