using EdgeToolkit.ModelBundle;
using EdgeToolkit.Preprocessing;
using EdgeToolkit.Training.Data;

namespace EdgeToolkit.Compression.Passes;

/// <summary>
/// Data-set images as the device would feed them to a bundle's model: each image through
/// <see cref="ModelInputWriter"/> per the manifest (resize policy, channel order, mean/std), in float NCHW batches
/// for ONNX Runtime. Image-folder data sets are read from their original files with the agent's decoder; stored
/// data sets (IDX, CIFAR) from their pixels. Bundle evaluation and INT8 calibration use it. TorchSharp-free.
/// </summary>
public static class BundleInputBatches
{
    /// <summary>Largest image decoded, in pixels (the agent's default <c>EdgeAgent:MaxPixels</c>).</summary>
    public const long MaxPixels = 4096L * 4096;

    /// <summary>How <see cref="Read"/> will prepare <paramref name="data"/> for <paramref name="manifest"/>, for results and logs.</summary>
    public static string Describe(ImageDataset data, BundleManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(manifest);
        string from = data.Files is null ? "stored pixels" : "original image files, decoded as the agent does";
        return $"manifest contract (ModelInputWriter, as on the device) from {from}: {manifest.Input.Describe()}";
    }

    /// <summary>Yields (data, shape, labels) for up to <paramref name="limit"/> images (0 = all), in data-set order.</summary>
    /// <exception cref="ImageDecodeException">An image file cannot be decoded (the message names it).</exception>
    public static IEnumerable<(float[] Data, long[] Shape, long[] Labels)> Read(ImageDataset data, BundleManifest manifest, int batchSize, int limit = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var input = manifest.Input;
        int total = limit > 0 ? Math.Min(limit, data.Count) : data.Count;
        var decoder = data.Files is null ? null : new ImageDecoder(MaxPixels, 256);
        for (int start = 0; start < total; start += batchSize)
        {
            int n = Math.Min(batchSize, total - start);
            var x = new float[(long)n * input.Length];
            var labels = new long[n];
            for (int i = 0; i < n; i++)
            {
                int index = start + i;
                var destination = x.AsSpan(i * input.Length, input.Length);
                if (decoder is not null)
                {
                    string file = data.Files![index];
                    ModelInputWriter.WriteEncoded(decoder, File.ReadAllBytes(file), file, input, destination);
                }
                else
                {
                    ModelInputWriter.WritePixels(data.Pixels.AsSpan(index * data.ImageBytes, data.ImageBytes), data.Channels, data.Height, data.Width, input, destination);
                }
                labels[i] = data.Labels[index];
            }
            yield return (x, [n, input.Channels, input.Height, input.Width], labels);
        }
    }
}
