namespace ChatAgent.Shop.Recommendations;

/// <summary>One product bought by one customer in one order: the unit every recommender here learns from.</summary>
/// <param name="CustomerKey">Shop customer id, or the source's own customer id for an imported log.</param>
/// <param name="OrderKey">Order (basket) id; items of one order are "bought together".</param>
/// <param name="ProductKey">Product id (recommendations are per product; the variant is chosen by the customer).</param>
/// <param name="At">When it was bought.</param>
/// <param name="Quantity">Units bought.</param>
public sealed record Purchase(string CustomerKey, string OrderKey, string ProductKey, DateTime At, int Quantity = 1);

/// <summary>Why an item was recommended; the plugin turns it into one sentence for the customer.</summary>
public enum RecommendationReason
{
    /// <summary>Customers who bought the anchor product also bought this one.</summary>
    AlsoBought,
    /// <summary>Often in the same order as the anchor product.</summary>
    BoughtTogether,
    /// <summary>Its description is close to the anchor product's.</summary>
    SimilarDescription,
    /// <summary>The customer bought it before and buys such items again.</summary>
    BuyAgain,
    /// <summary>Bought by many customers recently.</summary>
    Popular,
}

/// <summary>A recommended product, its score (higher is better; comparable only within one list) and why it was picked.</summary>
/// <param name="ProductKey">The recommended product.</param>
/// <param name="Score">Ranking score.</param>
/// <param name="Reason">The signal that contributed most.</param>
/// <param name="AnchorProductKey">The product the reason refers to (the one bought before, or looked at), if any.</param>
public sealed record Recommendation(string ProductKey, double Score, RecommendationReason Reason, string? AnchorProductKey = null);
