using System.ComponentModel.DataAnnotations;

namespace ChatAgent.Shop;

/// <summary>The <c>Shop</c> section of appsettings.json.</summary>
public sealed class ShopOptions
{
    public const string Section = "Shop";

    /// <summary>Fill an empty store with the generated demo shop at start-up (default true).</summary>
    public bool SeedDemoData { get; set; } = true;

    /// <summary>Seed of the demo-store generator; the same seed gives the same shop.</summary>
    public int DemoSeed { get; set; } = 20261128;

    /// <summary>Customers in the generated demo shop.</summary>
    [Range(1, 100_000)]
    public int DemoCustomers { get; set; } = 400;

    /// <summary>Failed verification attempts allowed per conversation before it must go to a human (default 5).</summary>
    [Range(1, 50)]
    public int MaxVerificationAttempts { get; set; } = 5;
}
