using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace ChatAgent.Shop.Search;

/// <summary>Turns a product into the text that is indexed and embedded.</summary>
internal static partial class SearchDocumentBuilder
{
    // Imported descriptions are Shopify HTML; tags and entities must not reach the index. A regex is enough for
    // indexing text (no HTML parser is in the BCL, and nothing here is rendered).
    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Space();

    public static string PlainText(string? html) =>
        string.IsNullOrWhiteSpace(html) ? "" : Space().Replace(WebUtility.HtmlDecode(Tag().Replace(html, " ")), " ").Trim();

    public static (string Title, string Body) Build(Product product, string? tags)
    {
        var options = product.Variants
            .SelectMany(v => v.Options)
            .GroupBy(o => o.Key.Trim(), StringComparer.OrdinalIgnoreCase)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(o => o.Value.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).Take(12))}");
        var parts = new[] { product.Category, product.Vendor, string.Join(". ", options), tags, PlainText(product.Description) }
            .Where(p => !string.IsNullOrWhiteSpace(p));
        return (product.Name.Trim(), string.Join(". ", parts));
    }

    /// <summary>What the model reads: title first, since the model only sees 256 tokens.</summary>
    public static string EmbeddingText(string title, string body) => body.Length == 0 ? title : $"{title}. {(body.Length > 1000 ? body[..1000] : body)}";

    public static string Hash(string model, string title, string body)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"{model}\n{title}\n{body}"));
        return Convert.ToHexString(bytes);
    }
}
