using ChatAgent.Orchestration.Intents;
using ChatAgent.Orchestration.NoModel;
using ChatAgent.Orchestration.State;
using ChatAgent.Shop;
using ChatAgent.Shop.Plugins;

namespace ChatAgent.Orchestration.Tests;

/// <summary>The dialogue engine's parts on their own: references, typos, free-form verification, templates.</summary>
public sealed class DialogueUnitTests
{
    private static readonly DateTimeOffset March = new(2025, 3, 14, 10, 0, 0, TimeSpan.Zero);

    private static readonly List<OrderFacts> Orders =
    [
        new("#W0000003", OrderStatus.Pending, March.AddMonths(2), 120m, [new("1000000001", "Sleeping Bag", 89m, new Dictionary<string, string> { ["fill"] = "down" })], []),
        new("#W0000002", OrderStatus.Delivered, March, 80m, [new("1000000002", "Electric Kettle", 45m, new Dictionary<string, string> { ["color"] = "white" }),
            new("1000000003", "Desk Lamp", 35m, new Dictionary<string, string> { ["color"] = "blue" })], ["TRK1"]),
        new("#W0000001", OrderStatus.Processed, March.AddMonths(-1), 999m, [new("1000000004", "Laptop", 999m, new Dictionary<string, string>())], []),
    ];

    [Theory]
    [InlineData("the sleeping bag order", "#W0000003")]
    [InlineData("cancel my sleping bag order", "#W0000003")]
    [InlineData("my last order", "#W0000003")]
    [InlineData("the pending one", "#W0000003")]
    [InlineData("the one from March", "#W0000002")]
    [InlineData("the kettle one", "#W0000002")]
    [InlineData("the laptop one", "#W0000001")]
    [InlineData("the second one", "#W0000002")]
    public void An_order_reference_in_words_resolves_to_exactly_that_order(string text, string expected)
    {
        var resolution = ReferenceResolver.Orders(text, Orders);
        Assert.Equal(ResolutionKind.Unique, resolution.Kind);
        Assert.Equal(expected, resolution.Single.Id);
    }

    [Fact]
    public void A_reference_to_something_they_never_ordered_matches_none_and_no_reference_is_not_a_guess()
    {
        Assert.Equal(ResolutionKind.None, ReferenceResolver.Orders("the blender order", Orders).Kind);
        Assert.Equal(ResolutionKind.NoReference, ReferenceResolver.Orders("I want to cancel an order", Orders).Kind);
    }

    [Theory]
    [InlineData("the blue one", "1000000003")]
    [InlineData("the kettle", "1000000002")]
    [InlineData("2", "1000000003")]
    public void An_item_reference_resolves_within_the_order(string text, string itemId)
    {
        var resolution = ReferenceResolver.Items(text, Orders[1].Items);
        Assert.Equal(ResolutionKind.Unique, resolution.Kind);
        Assert.Equal([itemId], resolution.Matches.Select(i => i.ItemId));
        Assert.Equal(2, ReferenceResolver.Items("both", Orders[1].Items).Matches.Count);
    }

    [Theory]
    [InlineData("wher is my ordr", "where is my order")]
    [InlineData("cancle my order", "cancel my order")]
    [InlineData("retrun polcy?", "return policy?")]
    public void Typos_are_corrected_against_the_examples_vocabulary(string typed, string expected) =>
        Assert.Equal(expected, new TypoCorrector(IntentClassifier.BuiltInExamples().Select(e => e.Text)).Correct(typed));

    [Theory]
    [InlineData("I'm Emma Nguyen, zip 92185", false)]
    [InlineData("my name is emma nguyen and my zip is 92185", false)]
    [InlineData("Emma Nguyen 92185", false)]
    [InlineData("emma nguyen 92185", true)]
    public void Name_and_zip_are_read_from_free_form_text(string text, bool whenAsked)
    {
        var slots = SlotExtractor.Extract(text, nameWithoutCue: whenAsked);
        Assert.Equal(("Emma", "Nguyen", "92185"), (slots.FirstName, slots.LastName, slots.Zip));
    }

    [Fact]
    public void A_price_cap_or_range_is_read_from_the_message()
    {
        Assert.Equal((null, 50m), SlotExtractor.PriceRange("wireless earbuds under $50?"));
        Assert.Equal((20m, 40m), SlotExtractor.PriceRange("a lamp between 20 and 40"));
    }

    [Fact]
    public void A_failed_verification_is_not_a_tool_error_but_a_refusal_is()
    {
        Assert.False(Transcript.IsToolError(ToolResult.Ok(new { verified = false, error = "No customer with that email." })));
        Assert.True(Transcript.IsToolError(ToolResult.Refused("The shop's system could not complete this request right now.")));
        Assert.False(Transcript.IsToolError(ToolResult.Ok(new { verified = true })));
    }

    [Fact]
    public void A_shops_reply_file_overrides_the_shipped_template_by_key()
    {
        var folder = Directory.CreateTempSubdirectory("replies-").FullName;
        Directory.CreateDirectory(Path.Combine(folder, "replies"));
        File.WriteAllText(Path.Combine(folder, "replies", "en.txt"), "thanks = Thanks from the file\nverified = Verified.\n");
        var replies = new ReplyTemplates(folder);
        Assert.Equal("Thanks from the file", replies.Render("thanks"));
        File.WriteAllText(Path.Combine(folder, "replies", "en.shop.txt"), "thanks = Cheers, {name}!\n");
        Assert.Equal("Cheers, Ana!", replies.Render("thanks", "en", ("name", "Ana")));
        // A key neither file has comes from the built-in English replies; another language falls back to English.
        Assert.Contains("{question}", new ReplyTemplates(folder).Render("resume", "zh-CN"), StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => ReplyTemplates.Parse("no equals sign here", "test.txt"));
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void The_dialogue_state_round_trips_through_the_answers_channel_data()
    {
        var state = new DialogueState();
        var frame = state.Push("cancel_order");
        frame.Slots["order_id"] = "#W0000003";
        frame.Waiting = new WaitingFor("reason", "reason", [new("No longer needed", "no longer needed")], "Why?");
        state.Products.Add(new ListedProduct("p1", "Kettle"));
        var back = DialogueState.From(new System.Text.Json.Nodes.JsonObject { [DialogueState.Key] = state.ToJson() });
        Assert.Equal("cancel_order", back.Top!.Flow);
        Assert.Equal("#W0000003", back.Top.Slot("order_id"));
        Assert.Equal("reason", back.Top.Waiting!.Kind);
        Assert.Equal("Why?", back.Top.Waiting.Question);
        Assert.Equal("Kettle", back.Products.Single().Name);
    }
}
