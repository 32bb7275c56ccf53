using System.ComponentModel.DataAnnotations;
using ChatAgent.Host.Channels.BotFramework;

namespace ChatAgent.BotFramework.Tests;

public sealed class BotFrameworkOptionsTests
{
    private static List<ValidationResult> Validate(BotFrameworkOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void The_defaults_are_valid_and_leave_authentication_off()
    {
        var options = new BotFrameworkOptions();
        Assert.Empty(Validate(options));
        Assert.False(options.AuthenticationEnabled);
        Assert.Equal(["https://api.botframework.com"], options.EffectiveIssuers);
        Assert.Equal("https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token", options.EffectiveTokenEndpoint.ToString());
    }

    [Fact]
    public void An_app_id_without_a_password_is_refused_naming_the_key()
    {
        var error = Assert.Single(Validate(new BotFrameworkOptions { AppId = "app" }));
        Assert.Contains("MicrosoftAppPassword", error.ErrorMessage);
    }

    [Theory]
    [InlineData("http://login.example.com/.well-known/openidconfiguration")]
    [InlineData("not a url")]
    public void Metadata_must_come_over_https_unless_it_is_on_this_machine(string url)
    {
        Assert.Contains(Validate(new BotFrameworkOptions { OpenIdMetadataUrl = url }), e => e.ErrorMessage!.Contains("OpenIdMetadataUrl"));
        Assert.Empty(Validate(new BotFrameworkOptions { OpenIdMetadataUrl = "http://127.0.0.1:5555/.well-known/openidconfiguration" }));
    }

    [Fact]
    public void A_single_tenant_bot_trusts_its_tenants_issuers_and_gets_tokens_from_its_tenant()
    {
        var options = new BotFrameworkOptions { AppId = "app", AppPassword = "pw", AppTenantId = "tenant-42" };
        Assert.Contains("https://sts.windows.net/tenant-42/", options.EffectiveIssuers);
        Assert.Contains("https://login.microsoftonline.com/tenant-42/v2.0", options.EffectiveIssuers);
        Assert.Equal("https://login.microsoftonline.com/tenant-42/oauth2/v2.0/token", options.EffectiveTokenEndpoint.ToString());
    }

    [Fact]
    public void Store_conversation_ids_are_namespaced_by_channel_and_fit_the_store()
    {
        Assert.Equal("msteams:a:1", BotFrameworkReference.StoreConversationId("msteams", "a:1"));
        Assert.NotEqual(BotFrameworkReference.StoreConversationId("msteams", "a:1"), BotFrameworkReference.StoreConversationId("slack", "a:1"));

        var longId = "19:" + new string('y', 200);
        var stored = BotFrameworkReference.StoreConversationId("msteams", longId);
        Assert.True(stored.Length <= BotFrameworkReference.MaxStoreIdLength);
        Assert.StartsWith("msteams#", stored);
        Assert.Equal(stored, BotFrameworkReference.StoreConversationId("msteams", longId));
        Assert.NotEqual(stored, BotFrameworkReference.StoreConversationId("msteams", longId + "z"));
    }
}
