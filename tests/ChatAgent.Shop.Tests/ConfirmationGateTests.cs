using ChatAgent.Shop.Conversations;

namespace ChatAgent.Shop.Tests;

public sealed class ConfirmationGateTests
{
    private static readonly PendingChange Change = new()
    {
        Handle = "CHG-ABC234",
        ConversationId = "c",
        CustomerId = "u",
        Action = "cancel_pending_order",
        OrderId = "#W4566809",
        ArgumentsJson = """{"action":"cancel_pending_order","order_id":"#W4566809","reason":"no longer needed"}""",
        SummaryJson = "{}",
    };

    [Theory]
    [InlineData("yes")]
    [InlineData("Yes.")]
    [InlineData("YES!")]
    [InlineData("yeah go ahead")]
    [InlineData("Yes, please cancel #W4566809 because it's no longer needed.")]
    [InlineData("ok, do it")]
    [InlineData("confirm CHG-ABC234")]
    [InlineData("Go ahead")]
    [InlineData("sure")]
    public void An_explicit_yes_confirms(string message) => Assert.True(ConfirmationGate.IsExplicitYes(message, Change));

    [Theory]
    [InlineData("no")]
    [InlineData("yes?")]
    [InlineData("yes but change the address too")]
    [InlineData("wait")]
    [InlineData("I don't know")]
    [InlineData("yes, cancel #W7736708")]
    [InlineData("yes, confirm CHG-ZZZZZZ")]
    [InlineData("not yet")]
    [InlineData("maybe")]
    [InlineData("what does that mean")]
    [InlineData("")]
    [InlineData("yes actually no")]
    public void Anything_else_does_not_confirm(string message) => Assert.False(ConfirmationGate.IsExplicitYes(message, Change));
}
