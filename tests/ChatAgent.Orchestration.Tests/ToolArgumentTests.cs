using System.Text.Json;
using ChatAgent.Orchestration.Model;
using Microsoft.SemanticKernel;

namespace ChatAgent.Orchestration.Tests;

public sealed class ToolArgumentTests
{
    [Fact]
    public async Task Numbers_booleans_and_strings_parsed_from_model_output_reach_typed_plugin_parameters()
    {
        var function = KernelFunctionFactory.CreateFromMethod(
            (int hour, bool weekend, decimal amount, string note) => $"{hour}|{weekend}|{amount}|{note}", "is_open_at");
        using var json = JsonDocument.Parse("""{"hour":14,"weekend":true,"amount":12.5,"note":"gift \"wrap\""}""");
        var arguments = new KernelArguments();
        foreach (var property in json.RootElement.EnumerateObject())
        {
            arguments[property.Name] = property.Value.Clone();
        }

        ToolCallFilter.NormalizeJsonArguments(arguments);
        var result = await function.InvokeAsync(new Kernel(), arguments);

        Assert.Equal("14|True|12.5|gift \"wrap\"", result.GetValue<string>());
    }
}
