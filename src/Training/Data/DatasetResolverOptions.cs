namespace EdgeToolkit.Training.Data;

/// <summary>Settings of <see cref="DatasetResolver"/>; the defaults suit the CLI, tests override the lookups.</summary>
public sealed record DatasetResolverOptions
{
    /// <summary>Size (square) that image-folder images are resized to.</summary>
    public int ImageSize { get; init; } = 32;

    /// <summary>Channels (1 or 3) that image-folder images are converted to.</summary>
    public int ImageChannels { get; init; } = 3;

    /// <summary>CIFAR-100: fine (100) labels when true, coarse (20) when false.</summary>
    public bool Cifar100FineLabels { get; init; } = true;

    /// <summary>Where the Debian package <c>dataset-fashion-mnist</c> installs its files.</summary>
    public string SystemFashionMnistFolder { get; init; } = "/usr/share/datasets/fashion-mnist";

    /// <summary>Reads an environment variable (replace in tests).</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;
}
