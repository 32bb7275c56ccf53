using System.ComponentModel.DataAnnotations;

namespace ChatAgent.Shop.Recommendations;

/// <summary>The <c>Recommendations</c> section of <c>appsettings.json</c>.</summary>
public sealed class RecommendationOptions
{
    public const string Section = "Recommendations";

    /// <summary>Minutes a learned model is reused before it is rebuilt from the orders and imported purchases.</summary>
    [Range(0, 1440)]
    public int ModelMinutes { get; set; } = 10;

    /// <summary>Items returned when the caller does not say.</summary>
    [Range(1, 50)]
    public int DefaultCount { get; set; } = 5;

    /// <summary>Most items one call may return.</summary>
    [Range(1, 100)]
    public int MaxCount { get; set; } = 20;

    /// <summary>Whether personal picks may include products the customer bought before.</summary>
    public bool IncludeRepeatPurchases { get; set; } = true;

    /// <summary>Weight of "customers who bought your products also bought".</summary>
    [Range(0.0, 10.0)]
    public double AlsoBoughtWeight { get; set; } = 1.0;

    /// <summary>Weight of "you bought this before".</summary>
    [Range(0.0, 10.0)]
    public double BuyAgainWeight { get; set; } = 1.0;

    /// <summary>Weight of description similarity to the customer's history.</summary>
    [Range(0.0, 10.0)]
    public double ContentWeight { get; set; } = 0.3;

    /// <summary>Weight of recent popularity.</summary>
    [Range(0.0, 10.0)]
    public double PopularityWeight { get; set; } = 0.15;

    /// <summary>Products the EASE model covers (the most bought); its build is cubic in this (1,500: ~30 s on two busy cores). 0 = "also bought" neighbours instead.</summary>
    [Range(0, 5000)]
    public int EaseMaxItems { get; set; } = 1500;

    /// <summary>EASE's regularisation λ.</summary>
    [Range(1.0, 100000.0)]
    public double EaseLambda { get; set; } = 300;

    internal RecommenderSettings ToSettings() => new()
    {
        EaseMaxItems = EaseMaxItems,
        EaseLambda = EaseLambda,
        AlsoBoughtWeight = AlsoBoughtWeight,
        BuyAgainWeight = BuyAgainWeight,
        ContentWeight = ContentWeight,
        PopularityWeight = PopularityWeight,
    };
}
