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

    /// <summary>ISO 4217 code of the shop's currency (default <c>USD</c>); amounts customers read are written in it.</summary>
    [RegularExpression("^[A-Za-z]{3}$", ErrorMessage = "Shop:Currency must be a three-letter ISO 4217 code such as USD, EUR or CNY.")]
    public string Currency { get; set; } = "USD";

    /// <summary>Culture amounts and dates are written in (default <c>en-US</c>).</summary>
    [CultureName]
    public string Culture { get; set; } = "en-US";
}

/// <summary>Accepts a culture name .NET knows (e.g. en-US, de-DE, zh-CN).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class CultureNameAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        ArgumentNullException.ThrowIfNull(validationContext);
        try
        {
            _ = System.Globalization.CultureInfo.GetCultureInfo(value as string ?? "", predefinedOnly: true);
            return ValidationResult.Success;
        }
        catch (System.Globalization.CultureNotFoundException)
        {
            return new ValidationResult($"Shop:{validationContext.MemberName} '{value}' is not a known culture name (e.g. en-US, de-DE, zh-CN).");
        }
    }
}
