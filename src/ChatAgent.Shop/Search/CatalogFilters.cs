namespace ChatAgent.Shop.Search;

/// <summary>Filter checks shared by search and the products plugin.</summary>
public static class CatalogFilters
{
    /// <summary>True when the variant has every wanted option value (names and values ignore case; "colour" = "color").</summary>
    public static bool HasOptions(ProductVariant variant, IReadOnlyDictionary<string, string>? wanted) => OptionNames.Satisfies(variant.Options, wanted);

    /// <summary>A description as plain text (imported descriptions may be HTML).</summary>
    public static string PlainText(string? html) => SearchDocumentBuilder.PlainText(html);
}
