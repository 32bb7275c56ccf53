using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatAgent.Embeddings;

/// <summary>Registers the local sentence embedder.</summary>
public static class EmbeddingServiceCollectionExtensions
{
    /// <summary>
    /// Adds all-MiniLM-L6-v2 as a singleton <see cref="IEmbeddingGenerator{String, Embedding}"/> (and as
    /// <see cref="MiniLmEmbeddingGenerator"/>), and product search's encoder (<c>Embeddings:Model</c>) as
    /// <see cref="LocalEmbeddingGenerator"/>, configured from the <c>Embeddings</c> section when
    /// <paramref name="configuration"/> is given. The model loads on first use (~1 s).
    /// </summary>
    public static IServiceCollection AddLocalEmbeddings(this IServiceCollection services, IConfiguration? configuration = null)
    {
        var options = services.AddOptions<LocalEmbeddingOptions>();
        if (configuration is not null)
        {
            options.Bind(configuration.GetSection(LocalEmbeddingOptions.Section));
        }
        options.ValidateDataAnnotations().ValidateOnStart();

        services.TryAddSingleton(sp => new MiniLmEmbeddingGenerator(sp.GetRequiredService<IOptions<LocalEmbeddingOptions>>().Value));
        services.TryAddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp => sp.GetRequiredService<MiniLmEmbeddingGenerator>());
        // Product search's encoder (Embeddings:Model); the MiniLM instance is shared when that is the one chosen.
        services.TryAddSingleton<LocalEmbeddingGenerator>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<LocalEmbeddingOptions>>().Value;
            return options.SearchModel == LocalEmbeddingModel.MiniLm
                ? sp.GetRequiredService<MiniLmEmbeddingGenerator>()
                : new LocalEmbeddingGenerator(options, options.SearchModel);
        });
        return services;
    }
}
