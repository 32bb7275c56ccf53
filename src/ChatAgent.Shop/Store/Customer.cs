namespace ChatAgent.Shop;

/// <summary>A shop customer. <see cref="Id"/> is the public id (τ-retail style, e.g. <c>noah_brown_6181</c>).</summary>
public sealed class Customer
{
    public required string Id { get; set; }
    public required string FirstName { get; set; }
    public required string LastName { get; set; }
    public required string Email { get; set; }
    /// <summary>The default shipping address.</summary>
    public Address Address { get; set; } = new();
    public List<PaymentMethod> PaymentMethods { get; set; } = [];
    public List<Order> Orders { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A postal address; stored inline on customers and orders.</summary>
public sealed record Address
{
    public string Address1 { get; set; } = "";
    public string Address2 { get; set; } = "";
    public string City { get; set; } = "";
    public string State { get; set; } = "";
    public string Country { get; set; } = "";
    public string Zip { get; set; } = "";

    public override string ToString() =>
        string.Join(", ", new[] { Address1, Address2, City, $"{State} {Zip}".Trim(), Country }.Where(p => !string.IsNullOrWhiteSpace(p)));
}

public enum PaymentMethodKind
{
    CreditCard,
    PayPal,
    GiftCard,
}

/// <summary>A customer's stored payment method; ids look like <c>credit_card_1234567</c>, <c>paypal_1234567</c>, <c>gift_card_1234567</c>.</summary>
public sealed class PaymentMethod
{
    public required string Id { get; set; }
    public required string CustomerId { get; set; }
    public Customer? Customer { get; set; }
    public PaymentMethodKind Kind { get; set; }
    /// <summary>Card brand (credit cards).</summary>
    public string? Brand { get; set; }
    /// <summary>Last four digits (credit cards).</summary>
    public string? LastFour { get; set; }
    /// <summary>Remaining balance (gift cards only).</summary>
    public decimal? Balance { get; set; }

    public string Describe() => Kind switch
    {
        PaymentMethodKind.CreditCard => $"{Brand} credit card ending {LastFour}",
        PaymentMethodKind.PayPal => "PayPal account",
        _ => $"gift card (balance {Balance:0.00})",
    };

    public static string KindName(PaymentMethodKind kind) => kind switch
    {
        PaymentMethodKind.CreditCard => "credit_card",
        PaymentMethodKind.PayPal => "paypal",
        _ => "gift_card",
    };
}
