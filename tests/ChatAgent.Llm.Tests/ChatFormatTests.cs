using System.CommandLine;
using System.Text.Json;
using ChatAgent.Llm.Chat;
using ChatAgent.Llm.Cli;
using ChatAgent.Llm.Gguf;
using Microsoft.Extensions.AI;

namespace ChatAgent.Llm.Tests;

public class ChatFormatTests
{
    [Theory]
    [InlineData("{% for m in messages %}<|im_start|>{{m.role}}{% endfor %}", ChatFamily.ChatMl)]
    [InlineData("{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>' }}", ChatFamily.Llama3)]
    [InlineData("{{ '[INST] ' + content + ' [/INST]' }}", ChatFamily.Mistral)]
    [InlineData("{{ '<|user|>' + content + '<|end|>' + '<|assistant|>' }}", ChatFamily.Phi3)]
    [InlineData("{{ '<start_of_turn>' + role }}", ChatFamily.Gemma)]
    public void The_chat_family_is_detected_from_the_gguf_template(string template, ChatFamily expected) =>
        Assert.Equal(expected, ChatFormat.Detect(template, null).Family);

    [Fact]
    public void The_configured_template_overrides_the_gguf()
    {
        Assert.Equal(ChatFamily.Gemma, ChatFormat.Detect("<|im_start|>", "gemma").Family);
        Assert.Throws<ArgumentException>(() => ChatFormat.Detect(null, "vicuna"));
    }

    [Fact]
    public void A_tool_round_trip_renders_in_the_hermes_format()
    {
        var tool = AIFunctionFactory.Create((string orderId) => "", "orders_get_status", "Look up an order");
        var call = new FunctionCallContent("c1", "orders_get_status", new Dictionary<string, object?> { ["orderId"] = "42" });
        var text = ChatFormat.For(ChatFamily.ChatMl).Render(
        [
            new ChatMessage(ChatRole.System, "Be brief."),
            new ChatMessage(ChatRole.User, "Where is 42?"),
            new ChatMessage(ChatRole.Assistant, [call]),
            new ChatMessage(ChatRole.Tool, [new FunctionResultContent("c1", "shipped")]),
        ], [tool]);
        Assert.Contains("<tools>\n{\"type\":\"function\",\"function\":{\"name\":\"orders_get_status\"", text);
        Assert.Contains("<|im_start|>assistant\n<tool_call>\n{\"name\": \"orders_get_status\", \"arguments\": {\"orderId\":\"42\"}}\n</tool_call><|im_end|>", text);
        Assert.Contains("<|im_start|>user\n<tool_response>\nshipped\n</tool_response><|im_end|>", text);
        Assert.EndsWith("<|im_start|>assistant\n", text);
    }

    [Fact]
    public void Compact_tools_are_one_line_signatures_with_types_optional_marks_enums_and_useful_descriptions_only()
    {
        var tool = AIFunctionFactory.CreateDeclaration("orders_cancel_pending_order", "Proposes cancelling a pending order.", JsonDocument.Parse("""
            {"type":"object","properties":{
              "order_id":{"type":"string","description":"Order id, e.g. #W1234567"},
              "reason":{"type":"string","enum":["no longer needed","ordered by mistake"]},
              "item_ids":{"type":"array","items":{"type":"string"},"description":"Item ids"},
              "limit":{"type":["integer","null"],"description":"Limit"}},
             "required":["order_id","reason"]}
            """).RootElement);
        var format = ChatFormat.For(ChatFamily.ChatMl).WithCompactTools(true);
        var text = format.ToolInstructions([tool]);
        Assert.Contains("\norders_cancel_pending_order(order_id: string \"Order id, e.g. #W1234567\", reason: \"no longer needed\"|\"ordered by mistake\", item_ids?: string[], limit?: integer): Proposes cancelling a pending order.\n", text);
        Assert.Contains("<tool_call>", text);
        Assert.True(text.Length < ChatFormat.For(ChatFamily.ChatMl).ToolInstructions([tool]).Length);
    }

    [Fact]
    public void Llama3_uses_ipython_results_and_json_calls()
    {
        var format = ChatFormat.For(ChatFamily.Llama3);
        var call = new FunctionCallContent("c1", "f", new Dictionary<string, object?> { ["a"] = 1 });
        Assert.Equal("{\"name\": \"f\", \"parameters\": {\"a\":1}}", format.RenderCalls([call]));
        var text = format.Render([new ChatMessage(ChatRole.Tool, [new FunctionResultContent("c1", "ok")])], []);
        Assert.Contains("<|start_header_id|>ipython<|end_header_id|>\n\nok<|eot_id|>", text);
        Assert.Single(ToolCallParser.Parse(format.RenderCalls([call]), ToolCallFormat.Llama3Json)!);
    }

    [Fact]
    public void Schema_string_bounds_beyond_llama_cpp_limits_are_clamped_into_a_valid_grammar()
    {
        var tool = AIFunctionFactory.CreateDeclaration("note", null, JsonDocument.Parse(
            """{"type":"object","properties":{"text":{"type":"string","minLength":5000,"maxLength":90000}},"required":["text"]}""").RootElement);
        var gbnf = ToolGrammar.Build([tool], ToolCallFormat.Hermes, allowText: true);
        Assert.Contains("char{1000,1000}", gbnf);
        Assert.Contains("root ::= calls | text", gbnf);
    }

    [Fact]
    public void The_make_test_model_verb_writes_a_loadable_model()
    {
        var path = Path.Combine(TestModels.TempDir(), "cli.gguf");
        var root = new RootCommand { MakeTestModelCommand.Create() };
        var exit = root.Parse(["make-test-model", "--out", path, "--preset", "tiny"]).Invoke();
        Assert.Equal(0, exit);
        Assert.Equal("llama", GgufInspector.Inspect(path).Architecture);
        Assert.NotEqual(0, root.Parse(["make-test-model", "--out", path, "--preset", "huge"]).Invoke());
    }
}
