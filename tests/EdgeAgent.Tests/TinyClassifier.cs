using EdgeToolkit.ModelBundle;
using EdgeToolkit.Tests.Shared;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.EdgeAgent.Tests;

/// <summary>
/// Writes tiny ONNX classifiers and bundles for the agent tests; the graph comes from the shared
/// <see cref="TinyOnnxClassifier"/> (tests/Shared).
/// </summary>
internal static class TinyClassifier
{
    public static readonly string[] TenLabels = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

    /// <summary>Serialized tiny classifier (see <see cref="TinyOnnxClassifier.Build"/>).</summary>
    public static byte[] Build(int size = 32, int channels = 3, int classes = 10, (int Width, int Stride)[]? convs = null, int seed = 1) =>
        TinyOnnxClassifier.Build(size, channels, classes, convs, seed, producer: "EdgeAgent.Tests");

    /// <summary>Writes a bundle folder with a tiny model and returns the folder.</summary>
    public static string WriteBundle(string folder, int size = 32, int channels = 3, string[]? labels = null, ResizePolicy resize = ResizePolicy.CenterCrop,
        (int, int)[]? convs = null, int seed = 1, ChannelOrder? channelOrder = null)
    {
        labels ??= TenLabels;
        Directory.CreateDirectory(folder);
        string onnx = Path.Combine(Path.GetTempPath(), $"tiny-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(onnx, Build(size, channels, labels.Length, convs, seed));
        ModelBundleFolder.Write(folder, onnx, new BundleManifest
        {
            Architecture = "tiny-cnn",
            InputShape = [-1, channels, size, size],
            ChannelOrder = channelOrder ?? (channels == 1 ? ChannelOrder.Gray : ChannelOrder.Rgb),
            ResizePolicy = resize,
            Mean = channels == 1 ? [0.5f] : [0.485f, 0.456f, 0.406f],
            Std = channels == 1 ? [0.25f] : [0.229f, 0.224f, 0.225f],
            Labels = labels,
        });
        File.Delete(onnx);
        return folder;
    }
}
