using ChatAgent.Testing;
using ChatAgent.Web.Tests.Infrastructure;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatAgent.Web.Tests;

/// <summary>
/// The demo page is built from the store itself (products, prices in the shop's currency, demo customers to try,
/// sample questions) and the product links lead to product pages. Its own host: a small seeded demo shop.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DemoPageTests(BrowserHostFixture fixture)
{
    [Fact]
    public async Task The_demo_page_shows_the_stores_products_demo_customers_and_questions_at_desktop_and_phone_size()
    {
        await using var host = await ChatAgentTestHost.StartAsync(DemoShopTesting.Settings());
        var browser = await fixture.BrowserAsync();
        foreach (var (width, height) in new[] { (1280, 800), (360, 740) })
        {
            await using var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height }, BaseURL = host.BaseUrl, Locale = "en-US" });
            var page = await context.NewPageAsync();
            var errors = new List<string>();
            page.PageError += (_, e) => errors.Add(e);
            await page.GotoAsync("/");

            var products = page.Locator("[data-storefront-products] li.product");
            await Expect(products).ToHaveCountAsync(8);
            await Expect(products.First.Locator(".price")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\$[\d,]+\.\d\d(–\$[\d,]+\.\d\d)?$"));
            await Expect(page.GetByText("€")).ToHaveCountAsync(0);

            var customers = page.Locator("[data-storefront-customers] li");
            await Expect(customers).ToHaveCountAsync(3);
            foreach (var text in await customers.AllInnerTextsAsync())
            {
                Assert.Matches(@"@example\.com \(zip \d{5}\); order #W\d{7}", text);
            }
            await Expect(page.Locator("[data-storefront-questions] button")).Not.ToHaveCountAsync(0);

            var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
            Assert.False(overflow, $"the page scrolls sideways at {width} px");

            var results = await page.RunAxe();
            var serious = results.Violations
                .Where(v => v.Impact is "serious" or "critical")
                .Where(v => v.Nodes.Any(n => n.Html.Contains("try-", StringComparison.Ordinal) || n.Html.Contains("product", StringComparison.Ordinal)))
                .Select(v => $"{v.Id}: {v.Help} at {string.Join("; ", v.Nodes.Select(n => n.Target))}")
                .ToList();
            Assert.True(serious.Count == 0, "axe found: " + string.Join(Environment.NewLine, serious));

            // A product's link (the same one the bot's cards use) opens its page.
            var name = await products.First.Locator("h3").InnerTextAsync();
            await products.First.Locator("h3 a").ClickAsync();
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/shop/products/"));
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(name);
            await Expect(page.Locator("[data-product-variants] tr")).Not.ToHaveCountAsync(0);
            Assert.Empty(errors);
        }

        var missing = await host.Http.GetAsync("/demo/products/0000000000");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
    }
}
