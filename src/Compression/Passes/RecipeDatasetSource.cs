using EdgeToolkit.Training.Data;

namespace EdgeToolkit.Compression.Passes;

/// <summary>Loads a recipe's dataset with <see cref="DatasetResolver"/> on first use and applies its train/test limits.</summary>
public sealed class RecipeDatasetSource : IDatasetSource
{
    private readonly RecipeDataset _settings;
    private readonly Lazy<(ImageDataset Train, ImageDataset Test, string Description)> _loaded;

    /// <summary>Creates the source; nothing is read until first use.</summary>
    public RecipeDatasetSource(RecipeDataset settings)
    {
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _loaded = new Lazy<(ImageDataset, ImageDataset, string)>(Load);
    }

    /// <inheritdoc/>
    public string Description => _loaded.Value.Description;

    /// <inheritdoc/>
    public ImageDataset Train => _loaded.Value.Train;

    /// <inheritdoc/>
    public ImageDataset Test => _loaded.Value.Test;

    /// <summary>An evenly spread subset of at most <paramref name="limit"/> images (0 = all), deterministic.</summary>
    public static ImageDataset Limit(ImageDataset data, int limit)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (limit <= 0 || limit >= data.Count) return data;
        var indices = Enumerable.Range(0, limit).Select(i => (int)((long)i * data.Count / limit)).ToArray();
        return data.Subset(indices, $"{data.Source} (every {(double)data.Count / limit:0.#}th image, {limit} of {data.Count})");
    }

    private (ImageDataset, ImageDataset, string) Load()
    {
        var resolved = DatasetResolver.Resolve(_settings.Name, _settings.Path);
        var train = Limit(resolved.Train, _settings.TrainLimit);
        var test = Limit(resolved.Test, _settings.TestLimit);
        string description = resolved.Description;
        if (train.Count != resolved.Train.Count || test.Count != resolved.Test.Count)
            description += $"; using {train.Count} train / {test.Count} test images";
        return (train, test, description);
    }
}
