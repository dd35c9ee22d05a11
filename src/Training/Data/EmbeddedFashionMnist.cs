using System.Reflection;

namespace EdgeToolkit.Training.Data;

/// <summary>
/// The class-balanced Fashion-MNIST subset embedded in this assembly (600 train and 100 test images per
/// class, the first of each class in file order; MIT licence, Zalando SE; see data/fashion-mnist-subset/).
/// </summary>
public static class EmbeddedFashionMnist
{
    private const string Prefix = "EdgeToolkit.Training.Data.FashionMnistSubset.";

    /// <summary>Description used in logs and <see cref="ImageDataset.Source"/>.</summary>
    public const string Description = "embedded Fashion-MNIST subset (6,000 train / 1,000 test, MIT, Zalando SE)";

    /// <summary>Loads the train and test splits from the embedded resources.</summary>
    /// <exception cref="DatasetException">The resources are missing from the assembly (a broken build).</exception>
    public static (ImageDataset Train, ImageDataset Test) Load() => (Load(true), Load(false));

    /// <summary>Loads one split from the embedded resources.</summary>
    /// <exception cref="DatasetException">The resources are missing from the assembly (a broken build).</exception>
    public static ImageDataset Load(bool train)
    {
        string prefix = train ? "train" : "t10k";
        string imagesName = $"{prefix}-images-idx3-ubyte.gz", labelsName = $"{prefix}-labels-idx1-ubyte.gz";
        using var images = Open(imagesName);
        using var labels = Open(labelsName);
        return IdxReader.Read(images, "embedded:" + imagesName, labels, "embedded:" + labelsName,
            StandardClassNames.FashionMnist, $"{Description} ({(train ? "train" : "test")})");
    }

    private static Stream Open(string name)
    {
        var assembly = typeof(EmbeddedFashionMnist).Assembly;
        return assembly.GetManifestResourceStream(Prefix + name)
            ?? throw new DatasetException($"embedded resource {Prefix + name} is missing from {assembly.GetName().Name}; the build must embed data/fashion-mnist-subset/{name}");
    }
}
