using ChatAgent.Llm.Gguf;
using ChatAgent.Llm.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ChatAgent.Llm.Tests;

public class ModelFileTests
{
    private static string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(TestModels.TempDir(), name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void An_empty_file_is_a_clear_error_naming_the_file()
    {
        var path = Write("empty.gguf", []);
        var e = Assert.Throws<ModelFileException>(() => LocalModel.Load(TestModels.Options() is var o ? WithPath(o, path) : null!));
        Assert.Contains(path, e.Message);
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void A_truncated_file_is_a_clear_error()
    {
        var bytes = File.ReadAllBytes(TestModels.Tiny);
        var path = Write("truncated.gguf", bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<ModelFileException>(() => GgufInspector.Inspect(path));
        Assert.Contains("truncated", e.Message);
        Assert.Contains(path, e.Message);
        var header = Write("header-only.gguf", bytes[..200]);
        Assert.Contains("truncated", Assert.Throws<ModelFileException>(() => GgufInspector.Inspect(header)).Message);
    }

    [Fact]
    public void A_file_with_the_wrong_magic_is_not_taken_for_a_model()
    {
        var path = Write("model.gguf", "PK\u0003\u0004 this is a zip, not a model........"u8.ToArray());
        var e = Assert.Throws<ModelFileException>(() => GgufInspector.Inspect(path));
        Assert.Contains("wrong magic", e.Message);
    }

    [Fact]
    public void A_model_with_a_missing_tensor_names_the_tensor()
    {
        var path = Path.Combine(TestModels.TempDir(), "missing.gguf");
        TestModelFactory.Create(path, TestModelPreset.Tiny, omitTensor: "blk.1.ffn_down.weight");
        var e = Assert.Throws<ModelFileException>(() => GgufInspector.Inspect(path));
        Assert.Contains("blk.1.ffn_down.weight", e.Message);
    }

    [Fact]
    public void A_missing_file_is_a_clear_error()
    {
        var e = Assert.Throws<ModelFileException>(() => GgufInspector.Inspect("/nonexistent/model.gguf"));
        Assert.Contains("not found", e.Message);
    }

    [Fact]
    public async Task The_host_refuses_to_start_with_a_broken_model_file()
    {
        var path = Write("broken.gguf", "GGUF"u8.ToArray());
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Model:Path"] = path });
        builder.Services.AddChatModel(builder.Configuration);
        using var host = builder.Build();
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void A_generated_model_passes_the_header_check()
    {
        var info = GgufInspector.Inspect(TestModels.Tiny);
        Assert.Equal("llama", info.Architecture);
        Assert.Contains("<|im_start|>", info.ChatTemplate);
        Assert.Equal(2 + 2 * 9, info.TensorNames.Count); // embeddings, output norm, 9 per block
    }

    private static ModelOptions WithPath(ModelOptions o, string path)
    {
        o.Path = path;
        return o;
    }
}
