using System.ComponentModel;
using ChatAgent.Shop.Conversations;
using ChatAgent.Shop.Plugins;
using Microsoft.SemanticKernel;

namespace ChatAgent.Plugins.Example;

/// <summary>
/// The smallest useful plugin: answers "when are you open?" from appsettings.json.
/// Copy this file into a new folder under plugins/, rename the class and the [ChatAgentPlugin] name,
/// add the name to Plugins:Enabled, and its functions become tools the model can call. [NoModelIntent] makes a function
/// reachable without a model too: the intent engine learns its example sentences, fills its parameters from the
/// customer's message (asking for what is missing) and answers with its Reply template.
/// </summary>
/// <remarks>Configured by <c>Plugins:store_hours:Hours</c> and <c>Plugins:store_hours:Phone</c>.</remarks>
[ChatAgentPlugin("store_hours", Description = "Example plugin: opening hours and phone number from configuration.")]
public sealed class StoreHoursPlugin(PluginSettings settings, CustomerSession session)
{
    [KernelFunction("get_store_hours"), Description("Gets the customer-service opening hours and phone number.")]
    [NoModelIntent("store_hours", "when are you open", "what are your opening hours", "what time does customer service open",
        "what time do you close", "what's your phone number", "how can I call you", "are you open today", "opening hours?", "wen are you open",
        Reply = "Our customer service is open {hours}. You can call us on {phone}.")]
    public string GetStoreHours() => ToolResult.Ok(new
    {
        hours = settings["Hours"] ?? "Mon-Fri 9:00-17:00",
        phone = settings["Phone"] ?? "not configured",
    });

    [KernelFunction("is_open_at"), Description("Tells whether customer service is open on a given weekday at a given hour (24h clock).")]
    [NoModelIntent("store_open_at", "are you open on Saturday at 10", "is customer service open on Monday at 3pm", "can I call you on Sunday at 11am",
        "will someone answer on Friday at 16:00", "are you open tuesday at 9am", "is anyone there on wednesday at 8pm",
        Slots = "weekday=weekday; hour=hour", Reply = "Open on {weekday} at {hour}:00? {open}.")]
    public string IsOpenAt(
        [Description("Day of the week in English, e.g. Monday")] string weekday,
        [Description("Hour of the day, 0-23")] int hour)
    {
        if (!Enum.TryParse<DayOfWeek>(weekday?.Trim(), ignoreCase: true, out var day))
        {
            return ToolResult.Refused($"'{weekday}' is not a weekday name.");
        }
        if (hour is < 0 or > 23)
        {
            return ToolResult.Refused("hour must be between 0 and 23.");
        }
        var open = day is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && hour is >= 9 and < 17;
        return ToolResult.Ok(new { weekday = day.ToString(), hour, open, conversation = session.ConversationId });
    }
}
