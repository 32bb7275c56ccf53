using System.Text.Json;
using ChatAgent.Shop.Conversations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace ChatAgent.Shop;

/// <summary>
/// The shop's store: customers, catalogue, orders, and per-conversation authorization state.
/// Use a provider subclass (<see cref="SqliteShopDbContext"/>, <see cref="PostgresShopDbContext"/>); each carries its own
/// migrations, recorded in <see cref="MigrationsHistoryTable"/> so the store shares one database with the conversation store.
/// </summary>
public abstract class ShopDbContext(DbContextOptions options) : DbContext(options)
{
    public const string MigrationsHistoryTable = "__ShopMigrations";

    public DbSet<Customer> Customers => Set<Customer>();
    public DbSet<PaymentMethod> PaymentMethods => Set<PaymentMethod>();
    public DbSet<Product> Products => Set<Product>();
    public DbSet<ProductVariant> Variants => Set<ProductVariant>();
    public DbSet<Order> Orders => Set<Order>();
    public DbSet<OrderItem> OrderItems => Set<OrderItem>();
    public DbSet<Fulfillment> Fulfillments => Set<Fulfillment>();
    public DbSet<PaymentTransaction> PaymentTransactions => Set<PaymentTransaction>();
    public DbSet<ShopConversation> Conversations => Set<ShopConversation>();
    public DbSet<PendingChange> PendingChanges => Set<PendingChange>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        var options = DictionaryColumn();
        var list = ListColumn();

        b.Entity<Customer>(e =>
        {
            e.ToTable("shop_customers");
            e.Property(c => c.Id).HasMaxLength(64);
            e.Property(c => c.FirstName).HasMaxLength(100);
            e.Property(c => c.LastName).HasMaxLength(100);
            e.Property(c => c.Email).HasMaxLength(254);
            e.HasIndex(c => c.Email);
            e.ComplexProperty(c => c.Address, a => ConfigureAddress(a, ""));
            e.HasIndex(c => new { c.LastName, c.FirstName });
            e.HasMany(c => c.PaymentMethods).WithOne(p => p.Customer).HasForeignKey(p => p.CustomerId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(c => c.Orders).WithOne(o => o.Customer).HasForeignKey(o => o.CustomerId).OnDelete(DeleteBehavior.Restrict);
        });

        b.Entity<PaymentMethod>(e =>
        {
            e.ToTable("shop_payment_methods");
            e.Property(p => p.Id).HasMaxLength(64);
            e.Property(p => p.Kind).HasConversion<string>().HasMaxLength(16);
            e.Property(p => p.Brand).HasMaxLength(32);
            e.Property(p => p.LastFour).HasMaxLength(4);
            e.Property(p => p.Balance).HasPrecision(12, 2);
        });

        b.Entity<Product>(e =>
        {
            e.ToTable("shop_products");
            e.Property(p => p.Id).HasMaxLength(64);
            e.Property(p => p.Name).HasMaxLength(300);
            e.Property(p => p.Category).HasMaxLength(200);
            e.Property(p => p.Vendor).HasMaxLength(200);
            e.HasIndex(p => p.Name);
            e.HasMany(p => p.Variants).WithOne(v => v.Product).HasForeignKey(v => v.ProductId).OnDelete(DeleteBehavior.Cascade);
        });

        b.Entity<ProductVariant>(e =>
        {
            e.ToTable("shop_variants");
            e.Property(v => v.Id).HasMaxLength(64);
            e.Property(v => v.Price).HasPrecision(12, 2);
            e.Property(v => v.Sku).HasMaxLength(100);
            e.Property(v => v.Options).HasConversion(options.Converter, options.Comparer);
        });

        b.Entity<Order>(e =>
        {
            e.ToTable("shop_orders");
            e.Property(o => o.Id).HasMaxLength(32);
            e.Property(o => o.Status).HasConversion<string>().HasMaxLength(32);
            e.ComplexProperty(o => o.ShippingAddress, a => ConfigureAddress(a, "Ship"));
            e.Property(o => o.CancelReason).HasMaxLength(64);
            e.Property(o => o.ReturnItemIds).HasConversion(list.Converter, list.Comparer);
            e.Property(o => o.ExchangeItemIds).HasConversion(list.Converter, list.Comparer);
            e.Property(o => o.ExchangeNewItemIds).HasConversion(list.Converter, list.Comparer);
            e.Property(o => o.ReturnPaymentMethodId).HasMaxLength(64);
            e.Property(o => o.ExchangePaymentMethodId).HasMaxLength(64);
            e.Property(o => o.ExchangePriceDifference).HasPrecision(12, 2);
            e.Property(o => o.Version).IsConcurrencyToken();
            e.Ignore(o => o.Total);
            e.HasIndex(o => new { o.CustomerId, o.CreatedAt });
            e.HasMany(o => o.Items).WithOne().HasForeignKey(i => i.OrderId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(o => o.Fulfillments).WithOne().HasForeignKey(f => f.OrderId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(o => o.Payments).WithOne().HasForeignKey(p => p.OrderId).OnDelete(DeleteBehavior.Cascade);
        });

        b.Entity<OrderItem>(e =>
        {
            e.ToTable("shop_order_items");
            e.Property(i => i.ProductId).HasMaxLength(64);
            e.Property(i => i.ItemId).HasMaxLength(64);
            e.Property(i => i.Name).HasMaxLength(300);
            e.Property(i => i.Price).HasPrecision(12, 2);
            e.Property(i => i.Options).HasConversion(options.Converter, options.Comparer);
            // Purchase history for recommendations is read by variant and by product.
            e.HasIndex(i => i.ItemId);
            e.HasIndex(i => i.ProductId);
        });

        b.Entity<Fulfillment>(e =>
        {
            e.ToTable("shop_fulfillments");
            e.Property(f => f.TrackingIds).HasConversion(list.Converter, list.Comparer);
            e.Property(f => f.ItemIds).HasConversion(list.Converter, list.Comparer);
        });

        b.Entity<PaymentTransaction>(e =>
        {
            e.ToTable("shop_payment_transactions");
            e.Property(p => p.Kind).HasConversion<string>().HasMaxLength(16);
            e.Property(p => p.Amount).HasPrecision(12, 2);
            e.Property(p => p.PaymentMethodId).HasMaxLength(64);
        });

        b.Entity<ShopConversation>(e =>
        {
            e.ToTable("shop_conversations");
            e.Property(c => c.Id).HasMaxLength(128);
            e.Property(c => c.BoundCustomerId).HasMaxLength(64);
            e.Property(c => c.VerifiedCustomerId).HasMaxLength(64);
            e.Property(c => c.VerificationMethod).HasMaxLength(32);
            e.Property(c => c.NeedsHumanReason).HasMaxLength(500);
            e.Property(c => c.LastDecidedMessageId).HasMaxLength(128);
            e.Property(c => c.Version).IsConcurrencyToken();
        });

        b.Entity<PendingChange>(e =>
        {
            e.ToTable("shop_pending_changes");
            e.HasKey(c => c.Handle);
            e.Property(c => c.Handle).HasMaxLength(32);
            e.Property(c => c.ConversationId).HasMaxLength(128);
            e.Property(c => c.CustomerId).HasMaxLength(64);
            e.Property(c => c.Action).HasMaxLength(64);
            e.Property(c => c.OrderId).HasMaxLength(32);
            e.Property(c => c.Status).HasConversion<string>().HasMaxLength(32);
            e.HasIndex(c => new { c.ConversationId, c.Status });
        });
    }

    private static void ConfigureAddress<T>(ComplexPropertyBuilder<T> a, string prefix) where T : notnull
    {
        // Explicit column names keep the schema readable and identical across providers.
        a.Property("Address1").HasColumnName(prefix + "Address1").HasMaxLength(200);
        a.Property("Address2").HasColumnName(prefix + "Address2").HasMaxLength(200);
        a.Property("City").HasColumnName(prefix + "City").HasMaxLength(100);
        a.Property("State").HasColumnName(prefix + "State").HasMaxLength(100);
        a.Property("Country").HasColumnName(prefix + "Country").HasMaxLength(100);
        a.Property("Zip").HasColumnName(prefix + "Zip").HasMaxLength(20);
    }

    private static (ValueConverter<Dictionary<string, string>, string> Converter, ValueComparer<Dictionary<string, string>> Comparer) DictionaryColumn()
    {
        var converter = new ValueConverter<Dictionary<string, string>, string>(
            v => JsonSerializer.Serialize(v, (JsonSerializerOptions?)null),
            s => JsonSerializer.Deserialize<Dictionary<string, string>>(s, (JsonSerializerOptions?)null) ?? new Dictionary<string, string>());
        // Compared and copied in memory: change tracking runs this for every tracked row.
        var comparer = new ValueComparer<Dictionary<string, string>>(
            (x, y) => x == null ? y == null : y != null && x.Count == y.Count && x.All(kv => y.ContainsKey(kv.Key) && y[kv.Key] == kv.Value),
            v => v.Aggregate(0, (h, kv) => HashCode.Combine(h, kv.Key, kv.Value)),
            v => new Dictionary<string, string>(v));
        return (converter, comparer);
    }

    private static (ValueConverter<List<string>, string> Converter, ValueComparer<List<string>> Comparer) ListColumn()
    {
        var converter = new ValueConverter<List<string>, string>(
            v => JsonSerializer.Serialize(v, (JsonSerializerOptions?)null),
            s => JsonSerializer.Deserialize<List<string>>(s, (JsonSerializerOptions?)null) ?? new List<string>());
        var comparer = new ValueComparer<List<string>>(
            (x, y) => x == null ? y == null : y != null && x.SequenceEqual(y),
            v => v.Aggregate(0, (h, s) => HashCode.Combine(h, s)),
            v => v.ToList());
        return (converter, comparer);
    }
}
