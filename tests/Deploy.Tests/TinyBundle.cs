using EdgeToolkit.ModelBundle;
using EdgeToolkit.Tests.Shared;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.Deploy.Tests;

/// <summary>
/// Writes a tiny seeded-random classifier bundle (Conv 3x3 stride 2 -> Relu -> GlobalAveragePool ->
/// Flatten -> Gemm, 3x32x32 input, 4 classes) for running the published agent. The canary tests vary it:
/// more and wider convolutions make it slower, a small <c>fcScale</c> makes it unsure (logits near equal),
/// another <c>producer</c> gives the same weights under a new hash, <c>nanWhenCornerIsDark</c> makes it return NaN
/// logits (a refused frame) for the synthetic camera's darker half of its patterns.
/// </summary>
internal static class TinyBundle
{
    public static string Write(string folder, int seed = 7, (int Width, int Stride)[]? convs = null, float fcScale = 2f, string producer = "Deploy.Tests",
        bool nanWhenCornerIsDark = false)
    {
        const int size = 32, channels = 3;
        string[] labels = ["red", "green", "blue", "gray"];
        byte[] model = TinyOnnxClassifier.Build(size, channels, labels.Length, convs ?? [(8, 2)], seed, convScale: 0.5f, fcScale: fcScale, producer: producer,
            nanWhenCornerIsDark: nanWhenCornerIsDark);

        Directory.CreateDirectory(folder);
        string onnx = Path.Combine(folder, "model.onnx");
        File.WriteAllBytes(onnx, model);
        ModelBundleFolder.Write(folder, onnx, new BundleManifest
        {
            Architecture = "tiny-cnn",
            InputShape = [-1, channels, size, size],
            ChannelOrder = ChannelOrder.Rgb,
            ResizePolicy = ResizePolicy.Stretch,
            Mean = [0.5f, 0.5f, 0.5f],
            Std = [0.25f, 0.25f, 0.25f],
            Labels = labels,
        });
        return folder;
    }
}
