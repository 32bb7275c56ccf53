using System.Globalization;
using Microsoft.Extensions.Options;

namespace ChatAgent.Shop.Formatting;

/// <summary>
/// The one place that turns store values into text a customer reads: money in the shop's currency and culture
/// (<c>Shop:Currency</c>, <c>Shop:Culture</c>), payment methods as people know them, readable dates. Both the no-model
/// replies and the tool results the model reads use it, so the two paths speak the same way.
/// </summary>
public sealed class ShopFormat
{
    private readonly NumberFormatInfo _money;

    public ShopFormat(IOptions<ShopOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Currency = options.Value.Currency.ToUpperInvariant();
        Culture = CultureInfo.GetCultureInfo(options.Value.Culture);
        _money = (NumberFormatInfo)Culture.NumberFormat.Clone();
        _money.CurrencySymbol = CurrencySymbol(Currency, Culture);
    }

    /// <summary>A formatter with the defaults (USD, en-US), for tools and tests without a host.</summary>
    public static ShopFormat Default { get; } = new(Options.Create(new ShopOptions()));

    /// <summary>ISO 4217 code of the shop's currency, e.g. <c>USD</c>.</summary>
    public string Currency { get; }

    /// <summary>The culture amounts and dates are written in.</summary>
    public CultureInfo Culture { get; }

    /// <summary>An amount, e.g. <c>$1,014.45</c>.</summary>
    public string Money(decimal amount) => amount.ToString("C2", _money);

    /// <summary>A price range, or one price when both ends are equal, e.g. <c>$768.27–$1,014.45</c>.</summary>
    public string MoneyRange(decimal min, decimal max) => min == max ? Money(min) : $"{Money(min)}–{Money(max)}";

    /// <summary>A payment method as its owner knows it: "Mastercard ending 9212", "PayPal", "gift card".</summary>
    public string PaymentMethod(PaymentMethodKind kind, string? brand = null, string? lastFour = null) => kind switch
    {
        PaymentMethodKind.CreditCard when !string.IsNullOrWhiteSpace(brand) && !string.IsNullOrWhiteSpace(lastFour)
            => $"{Capitalise(brand)} ending {lastFour}",
        PaymentMethodKind.CreditCard when !string.IsNullOrWhiteSpace(lastFour) => $"card ending {lastFour}",
        PaymentMethodKind.CreditCard => "credit card",
        PaymentMethodKind.PayPal => "PayPal",
        _ => "gift card",
    };

    /// <inheritdoc cref="PaymentMethod(PaymentMethodKind, string?, string?)"/>
    public string PaymentMethod(PaymentMethod method)
    {
        ArgumentNullException.ThrowIfNull(method);
        return PaymentMethod(method.Kind, method.Brand, method.LastFour);
    }

    /// <summary>A date as a customer reads it, e.g. "March 4, 2026".</summary>
    public string Date(DateTimeOffset date) =>
        date.ToString(Culture.TwoLetterISOLanguageName == "en" ? "MMMM d, yyyy" : Culture.DateTimeFormat.LongDatePattern, Culture);

    /// <inheritdoc cref="Date(DateTimeOffset)"/>
    public string Date(DateTime date) => Date(new DateTimeOffset(DateTime.SpecifyKind(date, DateTimeKind.Utc)));

    private static string Capitalise(string brand) =>
        brand.Length == 0 ? brand : char.ToUpperInvariant(brand[0]) + brand[1..];

    private static string CurrencySymbol(string currency, CultureInfo culture)
    {
        // The culture's own symbol when it is the culture's currency (so de-DE + EUR writes "€"), else a known symbol.
        if (culture.Name.Length > 0 && !culture.IsNeutralCulture
            && new RegionInfo(culture.Name).ISOCurrencySymbol.Equals(currency, StringComparison.OrdinalIgnoreCase))
        {
            return culture.NumberFormat.CurrencySymbol;
        }
        foreach (var specific in CultureInfo.GetCultures(CultureTypes.SpecificCultures))
        {
            try
            {
                var region = new RegionInfo(specific.Name);
                if (region.ISOCurrencySymbol.Equals(currency, StringComparison.OrdinalIgnoreCase))
                {
                    return region.CurrencySymbol;
                }
            }
            catch (ArgumentException)
            {
                // A culture without a region: not a currency source.
            }
        }
        return currency + " ";
    }
}
