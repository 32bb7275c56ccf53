namespace ChatAgent.Shop;

/// <summary>A product type (e.g. "T-Shirt"); what a customer buys is one of its <see cref="Variants"/>.</summary>
public sealed class Product
{
    /// <summary>Public product id (τ-retail: 10 digits; other imports: their own stable id).</summary>
    public required string Id { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public string? Category { get; set; }
    public string? Vendor { get; set; }
    public List<ProductVariant> Variants { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>One orderable item of a product with its option values (colour, size, ...). Its id is the τ-retail "item id".</summary>
public sealed class ProductVariant
{
    public required string Id { get; set; }
    public required string ProductId { get; set; }
    public Product? Product { get; set; }
    /// <summary>Option name → value, e.g. <c>color=blue</c>, <c>size=M</c>; stored as JSON.</summary>
    public Dictionary<string, string> Options { get; set; } = [];
    public decimal Price { get; set; }
    public bool Available { get; set; }
    public string? Sku { get; set; }

    public string DescribeOptions() => string.Join(", ", Options.Select(o => $"{o.Key} {o.Value}"));
}
