using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Shop.DemoData;

/// <summary>Counts of what a seed or import wrote.</summary>
public sealed record StoreCounts(int Customers, int Products, int Variants, int Orders);

/// <summary>
/// Generates a believable demo shop (our own word lists; no external data): product types with option grids,
/// customers with addresses and payment methods, and orders in every status. Deterministic for a given seed, with
/// ids in the τ-retail style so the same plugins and prompts work on it.
/// </summary>
public sealed class DemoStoreGenerator(int seed, int customerCount = 400)
{
    private static readonly (string Name, string Category, decimal BasePrice, (string Option, string[] Values)[] Options)[] Catalogue =
    [
        ("T-Shirt", "Clothing", 24m, [("color", ["black", "white", "navy", "red", "green", "grey"]), ("size", ["S", "M", "L", "XL", "XXL"]), ("material", ["cotton", "organic cotton"])]),
        ("Hoodie", "Clothing", 49m, [("color", ["black", "grey", "navy", "burgundy"]), ("size", ["S", "M", "L", "XL"]), ("fit", ["regular", "oversized"])]),
        ("Jeans", "Clothing", 59m, [("color", ["indigo", "black", "light blue"]), ("waist", ["28", "30", "32", "34", "36"]), ("fit", ["slim", "straight"])]),
        ("Rain Jacket", "Clothing", 89m, [("color", ["yellow", "navy", "olive", "black"]), ("size", ["S", "M", "L", "XL"])]),
        ("Wool Sweater", "Clothing", 69m, [("color", ["cream", "charcoal", "forest green"]), ("size", ["S", "M", "L", "XL"]), ("neck", ["crew", "v-neck"])]),
        ("Running Shoes", "Footwear", 95m, [("color", ["black", "white", "blue", "orange"]), ("size", ["7", "8", "9", "10", "11", "12"]), ("width", ["regular", "wide"])]),
        ("Hiking Boots", "Footwear", 139m, [("color", ["brown", "black"]), ("size", ["7", "8", "9", "10", "11", "12"]), ("waterproof", ["yes", "no"])]),
        ("Sneakers", "Footwear", 75m, [("color", ["white", "black", "grey", "red"]), ("size", ["6", "7", "8", "9", "10", "11"])]),
        ("Wireless Earbuds", "Electronics", 79m, [("color", ["black", "white", "blue"]), ("noise cancelling", ["yes", "no"]), ("battery", ["6h", "8h"])]),
        ("Bluetooth Headphones", "Electronics", 129m, [("color", ["black", "silver", "rose gold"]), ("type", ["over-ear", "on-ear"]), ("noise cancelling", ["active", "passive"])]),
        ("Bluetooth Speaker", "Electronics", 59m, [("color", ["black", "blue", "red", "green"]), ("waterproof", ["IPX5", "IPX7"]), ("battery", ["10h", "20h"])]),
        ("Smart Watch", "Electronics", 199m, [("color", ["black", "silver", "gold"]), ("case size", ["40mm", "44mm"]), ("band", ["silicone", "leather", "metal"])]),
        ("Fitness Tracker", "Electronics", 69m, [("color", ["black", "pink", "teal"]), ("display", ["OLED", "LCD"])]),
        ("Laptop", "Electronics", 899m, [("screen", ["13-inch", "15-inch"]), ("processor", ["i5", "i7", "ryzen 7"]), ("memory", ["8GB", "16GB", "32GB"]), ("storage", ["256GB SSD", "512GB SSD"])]),
        ("Tablet", "Electronics", 349m, [("color", ["silver", "space grey"]), ("storage", ["64GB", "128GB", "256GB"]), ("connectivity", ["wifi", "wifi + cellular"])]),
        ("E-Reader", "Electronics", 129m, [("storage", ["8GB", "32GB"]), ("light", ["warm", "standard"]), ("ads", ["with ads", "no ads"])]),
        ("Mechanical Keyboard", "Electronics", 109m, [("switch", ["linear", "tactile", "clicky"]), ("layout", ["full size", "tenkeyless", "75%"]), ("backlight", ["RGB", "white", "none"])]),
        ("Wireless Mouse", "Electronics", 39m, [("color", ["black", "white", "grey"]), ("sensor", ["optical", "laser"]), ("buttons", ["3", "6"])]),
        ("Monitor", "Electronics", 249m, [("size", ["24-inch", "27-inch", "32-inch"]), ("resolution", ["1080p", "1440p", "4K"]), ("refresh rate", ["60Hz", "144Hz"])]),
        ("Action Camera", "Electronics", 229m, [("resolution", ["4K", "5K"]), ("waterproof", ["yes", "no"]), ("color", ["black", "silver"])]),
        ("Digital Camera", "Electronics", 549m, [("resolution", ["20MP", "24MP", "30MP"]), ("zoom", ["3x", "5x", "10x"]), ("storage", ["SD card", "CF card"])]),
        ("Power Bank", "Electronics", 35m, [("capacity", ["10000mAh", "20000mAh", "30000mAh"]), ("color", ["black", "white"]), ("output", ["USB-A", "USB-C"])]),
        ("Phone Case", "Accessories", 19m, [("model", ["phone 13", "phone 14", "phone 15", "phone 16"]), ("color", ["clear", "black", "blue", "pink"]), ("material", ["silicone", "leather"])]),
        ("Backpack", "Bags", 69m, [("color", ["black", "grey", "navy", "green"]), ("size", ["small", "medium", "large"]), ("material", ["nylon", "polyester", "leather"])]),
        ("Tote Bag", "Bags", 29m, [("color", ["natural", "black", "navy"]), ("material", ["canvas", "jute"])]),
        ("Suitcase", "Bags", 179m, [("size", ["carry-on", "medium", "large"]), ("shell", ["hard", "soft"]), ("color", ["black", "silver", "blue"])]),
        ("Water Bottle", "Home", 22m, [("capacity", ["500ml", "750ml", "1000ml"]), ("material", ["stainless steel", "glass", "plastic"]), ("color", ["black", "blue", "green", "white"])]),
        ("Coffee Maker", "Kitchen", 89m, [("type", ["drip", "espresso", "french press"]), ("capacity", ["1 cup", "4 cups", "8 cups"]), ("color", ["black", "stainless steel"])]),
        ("Electric Kettle", "Kitchen", 45m, [("capacity", ["1L", "1.5L", "2L"]), ("material", ["glass", "stainless steel", "plastic"]), ("color", ["white", "black", "silver"])]),
        ("Blender", "Kitchen", 79m, [("capacity", ["1L", "1.5L", "2L"]), ("power", ["600W", "1000W", "1500W"]), ("color", ["black", "red", "white"])]),
        ("Chef Knife", "Kitchen", 59m, [("blade", ["6-inch", "8-inch", "10-inch"]), ("steel", ["german", "japanese"])]),
        ("Cookware Set", "Kitchen", 149m, [("pieces", ["5", "10", "12"]), ("material", ["stainless steel", "non-stick", "cast iron"])]),
        ("Desk Lamp", "Home", 39m, [("color", ["black", "white", "brass"]), ("power source", ["USB", "AC adapter"]), ("brightness", ["low", "medium", "high"])]),
        ("Office Chair", "Furniture", 229m, [("material", ["mesh", "fabric", "leather"]), ("color", ["black", "grey", "blue"]), ("armrest", ["fixed", "adjustable"])]),
        ("Standing Desk", "Furniture", 399m, [("size", ["120x60", "140x70", "160x80"]), ("color", ["white", "black", "oak"]), ("motor", ["single", "dual"])]),
        ("Bookshelf", "Furniture", 119m, [("material", ["pine", "oak", "metal"]), ("height", ["3 ft", "5 ft", "6 ft"]), ("color", ["natural", "white", "black"])]),
        ("Throw Blanket", "Home", 39m, [("material", ["fleece", "wool", "cotton"]), ("color", ["grey", "cream", "teal", "mustard"]), ("size", ["50x60", "60x80"])]),
        ("Bed Sheets", "Home", 59m, [("size", ["twin", "full", "queen", "king"]), ("material", ["cotton", "linen", "bamboo"]), ("color", ["white", "grey", "blue"])]),
        ("Scented Candle", "Home", 18m, [("scent", ["vanilla", "lavender", "cedar", "citrus"]), ("size", ["small", "large"])]),
        ("Yoga Mat", "Sports", 35m, [("thickness", ["4mm", "6mm", "8mm"]), ("material", ["PVC", "TPE", "natural rubber"]), ("color", ["purple", "green", "black", "blue"])]),
        ("Dumbbell Set", "Sports", 89m, [("weight range", ["5-25 lbs", "30-50 lbs", "55-75 lbs"]), ("material", ["iron", "rubber", "urethane"])]),
        ("Road Bike", "Sports", 749m, [("frame size", ["S", "M", "L"]), ("color", ["red", "black", "white"]), ("gears", ["18", "22"])]),
        ("Bicycle Helmet", "Sports", 49m, [("size", ["S", "M", "L"]), ("color", ["black", "white", "red", "blue"]), ("ventilation", ["low", "high"])]),
        ("Tent", "Outdoors", 159m, [("capacity", ["1-person", "2-person", "4-person", "6-person"]), ("season", ["3-season", "4-season"]), ("color", ["green", "orange", "blue"])]),
        ("Sleeping Bag", "Outdoors", 89m, [("temperature", ["-5C", "5C", "15C"]), ("fill", ["down", "synthetic"]), ("size", ["regular", "long"])]),
        ("Camping Stove", "Outdoors", 49m, [("fuel", ["gas", "multi-fuel"]), ("burners", ["1", "2"])]),
        ("Sunglasses", "Accessories", 79m, [("frame", ["black", "tortoise", "gold"]), ("lens", ["polarized", "non-polarized"]), ("shape", ["round", "aviator", "square"])]),
        ("Leather Wallet", "Accessories", 45m, [("color", ["black", "brown", "tan"]), ("style", ["bifold", "trifold", "card holder"])]),
        ("Wristwatch", "Accessories", 159m, [("strap", ["leather", "metal", "nylon"]), ("dial color", ["black", "white", "blue"]), ("movement", ["quartz", "automatic"])]),
        ("Board Game", "Toys", 39m, [("players", ["2-4", "2-6", "4-8"]), ("age", ["8+", "12+", "16+"])]),
        ("Jigsaw Puzzle", "Toys", 19m, [("pieces", ["500", "1000", "2000"]), ("theme", ["landscape", "animals", "art", "city"])]),
        ("Building Blocks Set", "Toys", 59m, [("pieces", ["250", "500", "1000"]), ("theme", ["city", "space", "castle"])]),
        ("Skin Care Kit", "Beauty", 49m, [("skin type", ["dry", "oily", "normal", "sensitive"]), ("size", ["travel", "full"])]),
        ("Hair Dryer", "Beauty", 69m, [("power", ["1200W", "1800W", "2200W"]), ("color", ["black", "white", "pink"]), ("cord", ["cordless", "corded"])]),
        ("Electric Toothbrush", "Beauty", 59m, [("color", ["white", "black", "blue"]), ("modes", ["2", "5"]), ("battery", ["rechargeable", "AA"])]),
        ("Vacuum Cleaner", "Home", 229m, [("type", ["upright", "canister", "robotic", "stick"]), ("bagged", ["bagged", "bagless"]), ("features", ["pet hair removal", "HEPA filter", "cordless"])]),
        ("Air Purifier", "Home", 159m, [("room size", ["small", "medium", "large"]), ("filter", ["HEPA", "carbon", "ionic"]), ("features", ["quiet", "smart sensors", "night mode"])]),
        ("Smart Thermostat", "Home", 179m, [("compatibility", ["Google Assistant", "Apple HomeKit", "Amazon Alexa"]), ("color", ["white", "black", "stainless steel"])]),
        ("Garden Hose", "Garden", 35m, [("length", ["25ft", "50ft", "100ft"]), ("material", ["rubber", "vinyl", "latex"]), ("color", ["green", "blue", "black"])]),
        ("Indoor Plant Pot", "Garden", 25m, [("diameter", ["4-inch", "6-inch", "8-inch", "10-inch"]), ("material", ["ceramic", "terracotta", "concrete"]), ("color", ["white", "black", "natural"])]),
    ];

    private static readonly string[] FirstNames = ["Noah", "Olivia", "Liam", "Emma", "Mason", "Ava", "Lucas", "Mia", "Ethan", "Sofia", "Aarav", "Yara", "Chen", "Fatima", "Ivan", "Mei", "Omar", "Lei", "Yusuf", "Amelia", "James", "Isabella", "Daiki", "Harper", "Raj", "Evelyn", "Juan", "Anya", "Mohamed", "Sara", "Elena", "Kenji", "Priya", "Lucas", "Nina", "Hugo", "Zoe", "Mateo", "Leila", "Oscar"];
    private static readonly string[] LastNames = ["Brown", "Smith", "Garcia", "Nguyen", "Khan", "Muller", "Silva", "Kovacs", "Li", "Johnson", "Moore", "Rossi", "Wilson", "Ito", "Santos", "Ahmed", "Thomas", "Martin", "Gonzalez", "Anderson", "Lopez", "Kim", "Patel", "Sanchez", "Hernandez", "Davis", "Jackson", "Taylor", "Lee", "Walker", "Young", "Hall", "Allen", "Wright", "Scott"];
    private static readonly (string City, string State, string ZipPrefix)[] Cities = [("Denver", "CO", "802"), ("New York", "NY", "100"), ("Chicago", "IL", "606"), ("Houston", "TX", "770"), ("Phoenix", "AZ", "850"), ("Philadelphia", "PA", "191"), ("San Antonio", "TX", "782"), ("San Diego", "CA", "921"), ("Dallas", "TX", "752"), ("Austin", "TX", "787"), ("Seattle", "WA", "981"), ("Boston", "MA", "021"), ("Portland", "OR", "972"), ("Atlanta", "GA", "303"), ("Columbus", "OH", "432"), ("Charlotte", "NC", "282"), ("Nashville", "TN", "372"), ("Los Angeles", "CA", "900"), ("San Francisco", "CA", "941"), ("Minneapolis", "MN", "554")];
    private static readonly string[] Streets = ["Sunset Drive", "Main Street", "Elm Street", "Oak Street", "Lakeview Drive", "Maple Avenue", "Hillcrest Drive", "River Road", "Park Avenue", "Cedar Street", "Willow Lane", "Highland Avenue", "Pine Lane", "Broadway", "Chestnut Street"];
    private static readonly string[] CardBrands = ["visa", "mastercard", "amex", "discover"];

    private readonly Random _random = new(seed);
    private readonly HashSet<string> _ids = [];

    /// <summary>Writes the generated shop into <paramref name="db"/> (expected empty).</summary>
    public async Task<StoreCounts> SeedAsync(ShopDbContext db, CancellationToken cancellationToken = default)
    {
        var (products, customerList, orders) = Generate();
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        db.Products.AddRange(products);
        db.Customers.AddRange(customerList);
        db.Orders.AddRange(orders);
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return new StoreCounts(customerList.Count, products.Count, products.Sum(p => p.Variants.Count), orders.Count);
    }

    /// <summary>The generated shop, without touching a database.</summary>
    public (List<Product> Products, List<Customer> Customers, List<Order> Orders) Generate()
    {
        var created = new DateTimeOffset(2024, 1, 15, 9, 0, 0, TimeSpan.Zero);
        var products = new List<Product>();
        foreach (var (name, category, basePrice, options) in Catalogue)
        {
            var product = new Product { Id = NewDigits(10), Name = name, Category = category, Vendor = "ChatAgent Demo Goods", Description = $"{name} ({category.ToLowerInvariant()}), available in {string.Join(", ", options.Select(o => $"{o.Values.Length} {o.Option} options"))}.", CreatedAt = created };
            // Small option grids get an edition dimension, so the demo catalogue reaches a few thousand variants.
            var grid = options.Aggregate(1, (n, o) => n * o.Values.Length) < 30 ? [.. options, ("edition", ["standard", "premium", "limited"])] : options;
            foreach (var combination in Combinations(grid))
            {
                var price = basePrice * (decimal)(0.85 + _random.NextDouble() * 0.3);
                product.Variants.Add(new ProductVariant
                {
                    Id = NewDigits(10),
                    ProductId = product.Id,
                    Options = combination,
                    Price = Math.Round(price, 2),
                    Available = _random.NextDouble() < 0.75,
                    Sku = $"{new string(name.Where(char.IsLetter).Take(4).ToArray()).ToUpperInvariant()}-{product.Variants.Count + 1:000}",
                });
            }
            products.Add(product);
        }

        var customers = new List<Customer>();
        for (var i = 0; i < customerCount; i++)
        {
            var first = Pick(FirstNames);
            var last = Pick(LastNames);
            string id;
            do
            {
                id = $"{first.ToLowerInvariant()}_{last.ToLowerInvariant()}_{_random.Next(1000, 10000)}";
            }
            while (!_ids.Add(id));
            var customer = new Customer
            {
                Id = id,
                FirstName = first,
                LastName = last,
                Email = $"{first.ToLowerInvariant()}.{last.ToLowerInvariant()}{_random.Next(100, 10000)}@example.com",
                Address = NewAddress(),
                CreatedAt = created.AddDays(_random.Next(0, 300)),
            };
            var methods = 1 + _random.Next(3);
            var kinds = Enum.GetValues<PaymentMethodKind>().OrderBy(_ => _random.Next()).Take(methods);
            foreach (var kind in kinds)
            {
                customer.PaymentMethods.Add(new PaymentMethod
                {
                    Id = $"{PaymentMethod.KindName(kind)}_{NewDigits(7)}",
                    CustomerId = id,
                    Kind = kind,
                    Brand = kind == PaymentMethodKind.CreditCard ? Pick(CardBrands) : null,
                    LastFour = kind == PaymentMethodKind.CreditCard ? _random.Next(0, 10000).ToString("0000", System.Globalization.CultureInfo.InvariantCulture) : null,
                    Balance = kind == PaymentMethodKind.GiftCard ? _random.Next(0, 300) : null,
                });
            }
            customers.Add(customer);
        }

        var orders = new List<Order>();
        foreach (var customer in customers)
        {
            var count = _random.Next(0, 5);
            for (var n = 0; n < count; n++)
            {
                var placed = customer.CreatedAt.AddDays(_random.Next(1, 400)).AddMinutes(_random.Next(0, 1440));
                var roll = _random.NextDouble();
                var status = roll < 0.4 ? OrderStatus.Pending : roll < 0.5 ? OrderStatus.Processed : roll < 0.9 ? OrderStatus.Delivered : OrderStatus.Cancelled;
                var order = new Order
                {
                    Id = "#W" + NewDigits(7),
                    CustomerId = customer.Id,
                    Status = status,
                    ShippingAddress = customer.Address with { },
                    CreatedAt = placed,
                    UpdatedAt = placed,
                };
                var lines = 1 + _random.Next(4);
                for (var l = 0; l < lines; l++)
                {
                    var product = Pick(products);
                    var variant = Pick(product.Variants);
                    order.Items.Add(new OrderItem { OrderId = order.Id, Line = l, ProductId = product.Id, ItemId = variant.Id, Name = product.Name, Price = variant.Price, Options = new(variant.Options) });
                }
                var method = Pick(customer.PaymentMethods);
                order.Payments.Add(new PaymentTransaction { OrderId = order.Id, Sequence = 0, Kind = TransactionKind.Payment, Amount = order.Items.Sum(i => i.Price), PaymentMethodId = method.Id, CreatedAt = placed });
                if (status == OrderStatus.Cancelled)
                {
                    order.CancelReason = _random.Next(2) == 0 ? "no longer needed" : "ordered by mistake";
                    order.Payments.Add(new PaymentTransaction { OrderId = order.Id, Sequence = 1, Kind = TransactionKind.Refund, Amount = order.Items.Sum(i => i.Price), PaymentMethodId = method.Id, CreatedAt = placed.AddHours(5) });
                }
                if (status is OrderStatus.Processed or OrderStatus.Delivered)
                {
                    order.Fulfillments.Add(new Fulfillment { OrderId = order.Id, TrackingIds = [NewDigits(12)], ItemIds = order.Items.Select(i => i.ItemId).ToList() });
                }
                customer.Orders.Add(order);
                orders.Add(order);
            }
        }
        return (products, customers, orders);
    }

    private Address NewAddress()
    {
        var (city, state, zipPrefix) = Pick(Cities);
        return new Address
        {
            Address1 = $"{_random.Next(1, 999)} {Pick(Streets)}",
            Address2 = _random.Next(3) == 0 ? $"Suite {_random.Next(100, 999)}" : "",
            City = city,
            State = state,
            Country = "USA",
            Zip = zipPrefix + _random.Next(0, 100).ToString("00", System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    private static IEnumerable<Dictionary<string, string>> Combinations((string Option, string[] Values)[] options)
    {
        IEnumerable<Dictionary<string, string>> result = [new Dictionary<string, string>()];
        foreach (var (option, values) in options)
        {
            result = result.SelectMany(r => values.Select(v => new Dictionary<string, string>(r) { [option] = v })).ToList();
        }
        return result;
    }

    private T Pick<T>(IReadOnlyList<T> list) => list[_random.Next(list.Count)];

    private string NewDigits(int length)
    {
        string id;
        do
        {
            var chars = new char[length];
            chars[0] = (char)('1' + _random.Next(9));
            for (var i = 1; i < length; i++)
            {
                chars[i] = (char)('0' + _random.Next(10));
            }
            id = new string(chars);
        }
        while (!_ids.Add(id));
        return id;
    }
}
