using ChatAgent.Shop.Conversations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Shop.Tests;

/// <summary>Violations of the retail policy are refused in code, with a reason, whatever the model asks for.</summary>
public sealed class OrderPolicyTests
{
    // raj_sanchez_2970 in τ-retail: two delivered orders, one pending order of 826.70 paid by card, a gift card holding 30.00.
    private const string Email = "raj.sanchez2046@example.com";
    private const string Customer = "raj_sanchez_2970";
    private const string Delivered = "#W7736708";
    private const string Pending = "#W4566809";
    private const string Card = "credit_card_3362387";
    private const string GiftCard = "gift_card_2259499";
    private const string SomeoneElsesOrder = "#W2611340";

    private static async Task<TestShop> ShopAsync()
    {
        SharedData.Require("tau-retail/db.json");
        return await TestShop.CreateSqliteAsync(await TauTemplate.PathAsync());
    }

    private static async Task<TestConversation> VerifiedAsync(TestShop shop)
    {
        var conversation = shop.StartConversation();
        var r = await conversation.CallAsync("verify_customer_by_email", new { email = Email });
        Assert.True(r.GetProperty("verified").GetBoolean(), r.ToString());
        return conversation;
    }

    private static async Task<(string ItemId, string NewItemId)> ExchangeableItemAsync(TestShop shop, string orderId)
    {
        await using var db = await shop.Db.CreateDbContextAsync();
        var items = await db.OrderItems.Where(i => i.OrderId == orderId).ToListAsync();
        foreach (var item in items)
        {
            var other = await db.Variants.Where(v => v.ProductId == item.ProductId && v.Id != item.ItemId && v.Available).Select(v => v.Id).FirstOrDefaultAsync();
            if (other is not null)
            {
                return (item.ItemId, other);
            }
        }
        throw new InvalidOperationException("no exchangeable item");
    }

    private static async Task<OrderStatus> StatusAsync(TestShop shop, string orderId)
    {
        await using var db = await shop.Db.CreateDbContextAsync();
        return await db.Orders.Where(o => o.Id == orderId).Select(o => o.Status).SingleAsync();
    }

    [Fact]
    public async Task Cancelling_a_delivered_order_is_refused_with_what_can_be_done_instead()
    {
        await using var shop = await ShopAsync();
        var conversation = await VerifiedAsync(shop);
        var r = await conversation.CallAsync("cancel_pending_order", new { order_id = Delivered, reason = "no longer needed" });
        Assert.Equal($"Order {Delivered} is delivered: it can be returned or exchanged, not cancelled.", r.Error());
        Assert.Equal(OrderStatus.Delivered, await StatusAsync(shop, Delivered));
    }

    [Fact]
    public async Task A_second_exchange_of_the_same_order_is_refused()
    {
        await using var shop = await ShopAsync();
        var conversation = await VerifiedAsync(shop);
        var (item, newItem) = await ExchangeableItemAsync(shop, Delivered);
        var args = new { order_id = Delivered, item_ids = new[] { item }, new_item_ids = new[] { newItem }, payment_method_id = Card };
        var first = await conversation.ProposeConfirmApplyAsync("exchange_delivered_order_items", args);
        Assert.True(first.GetProperty("applied").GetBoolean());
        var second = await conversation.CallAsync("exchange_delivered_order_items", args);
        Assert.Contains("already has an exchange requested", second.Error(), StringComparison.Ordinal);
        Assert.Equal(OrderStatus.ExchangeRequested, await StatusAsync(shop, Delivered));
    }

    [Fact]
    public async Task Paying_with_a_gift_card_short_of_the_total_is_refused()
    {
        await using var shop = await ShopAsync();
        var conversation = await VerifiedAsync(shop);
        var r = await conversation.CallAsync("modify_pending_order_payment", new { order_id = Pending, payment_method_id = GiftCard });
        Assert.Equal($"Gift card {GiftCard} has a balance of 30.00, which does not cover the order total of 826.70.", r.Error());
    }

    [Fact]
    public async Task Another_customers_order_gets_exactly_the_answer_of_a_nonexistent_order()
    {
        await using var shop = await ShopAsync();
        var conversation = await VerifiedAsync(shop);
        const string missing = "#W0000001";
        foreach (var (function, args) in new (string, Func<string, object>)[]
        {
            ("get_order_details", id => new { order_id = id }),
            ("cancel_pending_order", id => new { order_id = id, reason = "no longer needed" }),
            ("return_delivered_order_items", id => new { order_id = id, item_ids = new[] { "6469567736" }, payment_method_id = Card }),
        })
        {
            var theirs = await conversation.CallAsync(function, args(SomeoneElsesOrder));
            var none = await conversation.CallAsync(function, args(missing));
            Assert.True(theirs.IsError());
            Assert.Equal(none.Error().Replace(missing, "ID", StringComparison.Ordinal), theirs.Error().Replace(SomeoneElsesOrder, "ID", StringComparison.Ordinal));
            Assert.DoesNotContain("james", theirs.ToString(), StringComparison.OrdinalIgnoreCase);
        }
        Assert.Equal(OrderStatus.Processed, await StatusAsync(shop, SomeoneElsesOrder));
    }

    [Fact]
    public async Task An_unverified_customer_can_neither_read_nor_change_anything()
    {
        await using var shop = await ShopAsync();
        var conversation = shop.StartConversation();
        foreach (var (function, args) in new (string, object)[]
        {
            ("get_order_details", new { order_id = Pending }),
            ("list_orders", new { }),
            ("get_customer_details", new { }),
            ("cancel_pending_order", new { order_id = Pending, reason = "no longer needed" }),
            ("confirm_change", new { handle = "CHG-AAAAAA" }),
        })
        {
            var r = await conversation.CallAsync(function, args);
            Assert.StartsWith("The customer is not verified yet.", r.Error(), StringComparison.Ordinal);
        }
        Assert.Equal(OrderStatus.Pending, await StatusAsync(shop, Pending));
    }

    [Fact]
    public async Task A_write_without_the_customers_yes_is_not_applied()
    {
        await using var shop = await ShopAsync();
        var conversation = await VerifiedAsync(shop);
        var proposal = await conversation.CallAsync("cancel_pending_order", new { order_id = Pending, reason = "ordered by mistake" });
        var handle = proposal.GetProperty("handle").GetString();
        Assert.Contains("Nothing has changed yet", proposal.GetProperty("next_step").GetString(), StringComparison.Ordinal);

        // The model calls confirm straight away, on its own word.
        var early = await conversation.CallAsync("confirm_change", new { handle });
        Assert.Contains("is not confirmed", early.Error(), StringComparison.Ordinal);

        // The customer answers something other than an explicit yes: the change expires for good.
        Assert.Equal(ConfirmationDecision.Expired, (await conversation.SayAsync("hmm, how long does a refund take?")).Decision);
        Assert.Equal(ConfirmationDecision.NoPendingChange, (await conversation.SayAsync("yes")).Decision);
        var late = await conversation.CallAsync("confirm_change", new { handle });
        Assert.Contains("expired", late.Error(), StringComparison.Ordinal);
        Assert.Equal(OrderStatus.Pending, await StatusAsync(shop, Pending));
    }

    [Fact]
    public async Task A_yes_confirms_only_the_latest_proposal_and_not_a_different_change()
    {
        await using var shop = await ShopAsync();
        var conversation = await VerifiedAsync(shop);
        var cancel = await conversation.CallAsync("cancel_pending_order", new { order_id = Pending, reason = "no longer needed" });
        var address = await conversation.CallAsync("modify_pending_order_address", new { order_id = Pending, address1 = "1 New Street", address2 = "", city = "Austin", state = "TX", country = "USA", zip = "78701" });
        Assert.Equal(ConfirmationDecision.Confirmed, (await conversation.SayAsync("Yes")).Decision);

        // The yes answered the address change; the earlier cancellation cannot ride on it.
        var wrong = await conversation.CallAsync("confirm_change", new { handle = cancel.GetProperty("handle").GetString() });
        Assert.True(wrong.IsError());
        Assert.Equal(OrderStatus.Pending, await StatusAsync(shop, Pending));

        var right = await conversation.CallAsync("confirm_change", new { handle = address.GetProperty("handle").GetString() });
        Assert.True(right.GetProperty("applied").GetBoolean(), right.ToString());
        // Asked again for the same yes (as a turn resumed after a crash does), it reports the recorded outcome and applies nothing twice.
        var again = await conversation.CallAsync("confirm_change", new { handle = address.GetProperty("handle").GetString() });
        Assert.Equal(right.ToString(), again.ToString());
        Assert.Equal(OrderStatus.Pending, await StatusAsync(shop, Pending));
    }

    [Fact]
    public async Task A_turn_resumed_after_a_crash_gets_the_same_decision_the_same_proposal_and_the_applied_result_once()
    {
        await using var shop = await ShopAsync();
        var conversation = await VerifiedAsync(shop);
        var first = await conversation.CallAsync("cancel_pending_order", new { order_id = Pending, reason = "no longer needed" });
        var again = await conversation.CallAsync("cancel_pending_order", new { order_id = Pending, reason = "no longer needed" });
        Assert.Equal(first.GetProperty("handle").GetString(), again.GetProperty("handle").GetString());   // the same proposal, not a second one

        var yes = await conversation.SayAsync("yes", messageId: "conv|0000007");
        Assert.Equal(ConfirmationDecision.Confirmed, yes.Decision);
        var applied = await conversation.CallAsync("confirm_change", new { handle = yes.Handle });
        Assert.True(applied.GetProperty("applied").GetBoolean(), applied.ToString());
        Assert.Equal(OrderStatus.Cancelled, await StatusAsync(shop, Pending));

        // The crash: the same message's turn runs again. The gate hands back its decision instead of re-deciding (which
        // would find no waiting change and lose the yes), and the write reports what it did instead of failing.
        var resumed = await conversation.SayAsync("yes", messageId: "conv|0000007");
        Assert.Equal(yes, resumed);
        var reported = await conversation.CallAsync("confirm_change", new { handle = resumed.Handle });
        Assert.Equal(applied.ToString(), reported.ToString());

        // The next message is decided afresh: the applied change is not confirmed again.
        Assert.Equal(ConfirmationDecision.NoPendingChange, (await conversation.SayAsync("yes", messageId: "conv|0000009")).Decision);
        var late = await conversation.CallAsync("confirm_change", new { handle = resumed.Handle });
        Assert.True(late.IsError());
    }

    [Fact]
    public async Task A_yes_that_names_another_order_does_not_confirm()
    {
        await using var shop = await ShopAsync();
        var conversation = await VerifiedAsync(shop);
        var proposal = await conversation.CallAsync("cancel_pending_order", new { order_id = Pending, reason = "no longer needed" });
        Assert.Equal(ConfirmationDecision.Expired, (await conversation.SayAsync($"yes, cancel {Delivered}")).Decision);
        Assert.True((await conversation.CallAsync("confirm_change", new { handle = proposal.GetProperty("handle").GetString() })).IsError());
        Assert.Equal(OrderStatus.Pending, await StatusAsync(shop, Pending));
    }

    [Fact]
    public async Task A_confirmation_from_another_conversation_cannot_apply_a_change()
    {
        await using var shop = await ShopAsync();
        var mine = await VerifiedAsync(shop);
        var proposal = await mine.CallAsync("cancel_pending_order", new { order_id = Pending, reason = "no longer needed" });
        var handle = proposal.GetProperty("handle").GetString();

        var other = await VerifiedAsync(shop);
        Assert.Equal(ConfirmationDecision.NoPendingChange, (await other.SayAsync("yes")).Decision);
        Assert.True((await other.CallAsync("confirm_change", new { handle })).IsError());
        Assert.Equal(OrderStatus.Pending, await StatusAsync(shop, Pending));
    }

    [Fact]
    public async Task Cancelling_needs_one_of_the_two_accepted_reasons()
    {
        await using var shop = await ShopAsync();
        var conversation = await VerifiedAsync(shop);
        var r = await conversation.CallAsync("cancel_pending_order", new { order_id = Pending, reason = "found it cheaper elsewhere" });
        Assert.Contains("'no longer needed' or 'ordered by mistake'", r.Error(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_refunds_the_payment_and_records_the_reason()
    {
        await using var shop = await ShopAsync();
        var conversation = await VerifiedAsync(shop);
        var result = await conversation.ProposeConfirmApplyAsync("cancel_pending_order", new { order_id = Pending, reason = "ordered by mistake" });
        Assert.True(result.GetProperty("applied").GetBoolean());
        await using var db = await shop.Db.CreateDbContextAsync();
        var order = await db.Orders.Include(o => o.Payments).SingleAsync(o => o.Id == Pending);
        Assert.Equal(OrderStatus.Cancelled, order.Status);
        Assert.Equal("ordered by mistake", order.CancelReason);
        Assert.Contains(order.Payments, p => p.Kind == TransactionKind.Refund && p.Amount == 826.70m && p.PaymentMethodId == Card);
    }

    [Fact]
    public async Task Items_of_a_pending_order_can_be_modified_only_once_and_then_it_cannot_be_cancelled()
    {
        await using var shop = await ShopAsync();
        var conversation = await VerifiedAsync(shop);
        var (item, newItem) = await ExchangeableItemAsync(shop, Pending);
        var result = await conversation.ProposeConfirmApplyAsync("modify_pending_order_items", new { order_id = Pending, item_ids = new[] { item }, new_item_ids = new[] { newItem }, payment_method_id = Card });
        Assert.True(result.GetProperty("applied").GetBoolean(), result.ToString());
        var again = await conversation.CallAsync("modify_pending_order_items", new { order_id = Pending, item_ids = new[] { newItem }, new_item_ids = new[] { item }, payment_method_id = Card });
        Assert.Contains("already modified once", again.Error(), StringComparison.Ordinal);
        var cancel = await conversation.CallAsync("cancel_pending_order", new { order_id = Pending, reason = "no longer needed" });
        Assert.Contains("already modified once", cancel.Error(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Items_can_only_change_to_an_option_of_the_same_product()
    {
        await using var shop = await ShopAsync();
        var conversation = await VerifiedAsync(shop);
        var (item, _) = await ExchangeableItemAsync(shop, Pending);
        await using var db = await shop.Db.CreateDbContextAsync();
        var productId = await db.OrderItems.Where(i => i.OrderId == Pending && i.ItemId == item).Select(i => i.ProductId).FirstAsync();
        var foreign = await db.Variants.Where(v => v.ProductId != productId && v.Available).Select(v => v.Id).FirstAsync();
        var r = await conversation.CallAsync("modify_pending_order_items", new { order_id = Pending, item_ids = new[] { item }, new_item_ids = new[] { foreign }, payment_method_id = Card });
        Assert.Contains("can only be changed to another option of the same product", r.Error(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refund_goes_only_to_the_original_payment_method_or_a_gift_card_of_the_customer()
    {
        await using var shop = await ShopAsync();
        var conversation = await VerifiedAsync(shop);
        var (item, _) = await ExchangeableItemAsync(shop, Delivered);
        var foreignCard = await conversation.CallAsync("return_delivered_order_items", new { order_id = Delivered, item_ids = new[] { item }, payment_method_id = "credit_card_7815826" });
        Assert.Contains("is not one of the customer's payment methods", foreignCard.Error(), StringComparison.Ordinal);
        var toGiftCard = await conversation.CallAsync("return_delivered_order_items", new { order_id = Delivered, item_ids = new[] { item }, payment_method_id = GiftCard });
        Assert.False(toGiftCard.IsError(), toGiftCard.ToString());
    }

    [Fact]
    public async Task Verification_attempts_are_limited_and_then_the_conversation_goes_to_a_human_even_after_a_restart()
    {
        SharedData.Require("tau-retail/db.json");
        var dir = Directory.CreateTempSubdirectory("chatagent-shop-restart-").FullName;
        var file = Path.Combine(dir, "shop.db");
        File.Copy(await TauTemplate.PathAsync(), file);
        string conversationId;
        await using (var shop = await TestShop.CreateAsync(ServiceDefaults.DatabaseProvider.Sqlite, $"Data Source={file}"))
        {
            var conversation = shop.StartConversation();
            conversationId = conversation.Id;
            var raised = 0;
            conversation.Session.NeedsHuman += (_, _) => raised++;
            for (var i = 1; i <= 4; i++)
            {
                var r = await conversation.CallAsync("verify_customer_by_email", new { email = $"guess{i}@example.com" });
                Assert.False(r.GetProperty("verified").GetBoolean());
                Assert.Equal(5 - i, r.GetProperty("attempts_left").GetInt32());
            }
            var fifth = await conversation.CallAsync("verify_customer_by_name_zip", new { first_name = "Raj", last_name = "Sanchez", zip = "00000" });
            Assert.True(fifth.GetProperty("transfer_to_human").GetBoolean());
            Assert.Equal(1, raised);
        }

        await using (var restarted = await TestShop.CreateAsync(ServiceDefaults.DatabaseProvider.Sqlite, $"Data Source={file}"))
        {
            var session = restarted.Services.GetRequiredService<CustomerSessionFactory>().Create(conversationId);
            var state = await session.GetStateAsync();
            Assert.True(state.NeedsHuman);
            Assert.Equal(5, state.FailedVerificationAttempts);
            // Even the right email no longer works in this conversation.
            var r = await session.VerifyByEmailAsync(Email);
            Assert.Equal(VerificationStatus.Locked, r.Status);
        }
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task Verification_survives_a_restart_and_one_conversation_serves_one_customer()
    {
        await using var shop = await ShopAsync();
        var conversation = await VerifiedAsync(shop);
        var again = shop.Services.GetRequiredService<CustomerSessionFactory>().Create(conversation.Id);
        Assert.Equal(Customer, await again.GetVerifiedCustomerIdAsync());
        var other = await conversation.CallAsync("verify_customer_by_email", new { email = "noah.brown7922@example.com" });
        Assert.False(other.GetProperty("verified").GetBoolean());
        Assert.Contains("only one customer", other.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(Customer, await again.GetVerifiedCustomerIdAsync());
    }

    [Fact]
    public async Task The_identity_bound_into_the_channel_token_verifies_the_customer()
    {
        await using var shop = await ShopAsync();
        var signedIn = shop.StartConversation(boundCustomerId: Customer);
        var r = await signedIn.CallAsync("verify_signed_in_customer");
        Assert.Equal(Customer, r.GetProperty("user_id").GetString());
        var details = await signedIn.CallAsync("get_customer_details");
        Assert.Equal(Email, details.GetProperty("email").GetString());

        var anonymous = shop.StartConversation();
        var none = await anonymous.CallAsync("verify_signed_in_customer");
        Assert.False(none.GetProperty("verified").GetBoolean());
        Assert.Equal(5, none.GetProperty("attempts_left").GetInt32());
    }

    [Fact]
    public async Task Changing_the_default_address_changes_only_the_verified_customers_profile()
    {
        await using var shop = await ShopAsync();
        var conversation = await VerifiedAsync(shop);
        var r = await conversation.ProposeConfirmApplyAsync("modify_default_address", new { address1 = "12 Harbor Way", address2 = "Apt 3", city = "Seattle", state = "WA", country = "USA", zip = "98101" });
        Assert.True(r.GetProperty("applied").GetBoolean());
        await using var db = await shop.Db.CreateDbContextAsync();
        var customer = await db.Customers.SingleAsync(c => c.Id == Customer);
        Assert.Equal(("12 Harbor Way", "Apt 3", "Seattle", "98101"), (customer.Address.Address1, customer.Address.Address2, customer.Address.City, customer.Address.Zip));
    }
}
