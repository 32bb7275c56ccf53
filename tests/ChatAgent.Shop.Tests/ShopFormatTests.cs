using ChatAgent.Shop;
using ChatAgent.Shop.Formatting;
using Microsoft.Extensions.Options;

namespace ChatAgent.Shop.Tests;

public sealed class ShopFormatTests
{
    [Fact]
    public void Amounts_are_written_in_the_shops_currency_and_culture()
    {
        Assert.Equal("$1,014.45", ShopFormat.Default.Money(1014.45m));
        Assert.Equal("$768.27–$1,014.45", ShopFormat.Default.MoneyRange(768.27m, 1014.45m));
        Assert.Equal("$5.00", ShopFormat.Default.MoneyRange(5m, 5m));

        var euros = new ShopFormat(Options.Create(new ShopOptions { Currency = "EUR", Culture = "de-DE" }));
        Assert.Equal("1.014,45 €", euros.Money(1014.45m));
        var pounds = new ShopFormat(Options.Create(new ShopOptions { Currency = "GBP", Culture = "en-GB" }));
        Assert.Equal("£0.85", pounds.Money(0.85m));
        var yuan = new ShopFormat(Options.Create(new ShopOptions { Currency = "CNY", Culture = "zh-CN" }));
        Assert.Equal("¥99.00", yuan.Money(99m));
    }

    [Fact]
    public void Payment_methods_and_dates_read_as_people_say_them()
    {
        Assert.Equal("Mastercard ending 9212", ShopFormat.Default.PaymentMethod(PaymentMethodKind.CreditCard, "mastercard", "9212"));
        Assert.Equal("gift card", ShopFormat.Default.PaymentMethod(PaymentMethodKind.GiftCard));
        Assert.Equal("PayPal", ShopFormat.Default.PaymentMethod(PaymentMethodKind.PayPal));
        Assert.Equal("March 4, 2026", ShopFormat.Default.Date(new DateTime(2026, 3, 4, 10, 0, 0, DateTimeKind.Utc)));
    }

    [Theory]
    [InlineData("Currency", "dollars")]
    [InlineData("Culture", "xx-nowhere")]
    public void A_wrong_currency_or_culture_is_refused_naming_the_key(string key, string value)
    {
        var options = new ShopOptions();
        typeof(ShopOptions).GetProperty(key)!.SetValue(options, value);
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        Assert.False(System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), results, validateAllProperties: true));
        Assert.Contains(results, r => r.ErrorMessage!.Contains($"Shop:{key}", StringComparison.Ordinal));
    }
}
