using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatAgent.Shop.Plugins;

/// <summary>
/// Compact JSON results for the model. Plugins return these strings instead of throwing: a refusal carries its
/// reason so the model can explain it to the customer.
/// </summary>
public static class ToolResult
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Serializes <paramref name="value"/> as compact snake_case JSON.</summary>
    public static string Ok(object value) => JsonSerializer.Serialize(value, Json);

    /// <summary><c>{"error": reason}</c>: what the model tells the customer instead of doing the thing.</summary>
    public static string Refused(string reason) => JsonSerializer.Serialize(new { error = reason }, Json);

    /// <summary>True when <paramref name="json"/> is a refusal produced by <see cref="Refused"/>.</summary>
    public static bool IsRefusal(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
