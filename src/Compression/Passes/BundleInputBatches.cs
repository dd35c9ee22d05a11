using EdgeToolkit.ModelBundle;
using EdgeToolkit.Training.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Compression.Passes;

/// <summary>Preprocesses dataset images the way a bundle's manifest says (size, channels, mean/std) into float NCHW batches for ONNX Runtime.</summary>
internal static class BundleInputBatches
{
    /// <summary>Loader options matching the manifest (no augmentation, fixed order).</summary>
    public static BatchLoaderOptions LoaderOptions(BundleManifest m, int batchSize) => new()
    {
        BatchSize = batchSize,
        Mean = m.Mean.ToArray(),
        Std = m.Std.ToArray(),
        TargetSize = m.Height,
        TargetChannels = m.Channels,
    };

    /// <summary>Yields (data, shape, labels) for up to <paramref name="limit"/> images (0 = all).</summary>
    public static IEnumerable<(float[] Data, long[] Shape, long[] Labels)> Read(ImageDataset data, BundleManifest m, int batchSize, int limit = 0)
    {
        if (limit > 0 && limit < data.Count)
            data = data.Subset(Enumerable.Range(0, limit).ToArray());
        using var loader = new BatchLoader(data, LoaderOptions(m, batchSize));
        foreach (var (x, y) in loader.Batches(0))
        {
            using var images = x;
            using var labels = y;
            yield return (images.contiguous().data<float>().ToArray(), images.shape, labels.data<long>().ToArray());
        }
    }
}
