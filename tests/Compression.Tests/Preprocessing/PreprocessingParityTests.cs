using EdgeToolkit.Compression.Passes;
using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Processing;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Preprocessing;
using EdgeToolkit.Training.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;

namespace EdgeToolkit.Compression.Tests.Contract;

/// <summary>
/// The same image bytes give the same model input on the host (bundle evaluation and calibration:
/// <see cref="BundleInputBatches"/>) and on the device (the agent's <see cref="FramePreprocessor"/>, called as its
/// frame processor calls it), for every resize policy, grey and RGB models, and frames from 28x28 to 1920x1080;
/// and the contract reproduces what training feeds the model.
/// </summary>
public sealed class PreprocessingParityTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("parity-tests-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static BundleManifest Manifest(ResizePolicy policy, int channels, int size = 32) => new()
    {
        InputShape = [-1, channels, size, size],
        ChannelOrder = channels == 1 ? ChannelOrder.Gray : ChannelOrder.Rgb,
        ResizePolicy = policy,
        Mean = channels == 1 ? [0.286f] : [0.485f, 0.456f, 0.406f],
        Std = channels == 1 ? [0.353f] : [0.229f, 0.224f, 0.225f],
        Labels = ["a", "b"],
    };

    /// <summary>A colourful deterministic image with detail at every scale (gradients, a checker, noise).</summary>
    private static Image<Rgb24> Pattern(int width, int height, int seed = 3)
    {
        var random = new Random(seed);
        var image = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int checker = ((x / Math.Max(1, width / 7)) + (y / Math.Max(1, height / 5))) % 2 * 60;
                image[x, y] = new Rgb24((byte)(x * 255 / width), (byte)Math.Clamp(y * 200 / height + checker, 0, 255), (byte)random.Next(256));
            }
        return image;
    }

    private static float[] Device(byte[] encoded, BundleManifest manifest)
    {
        // As FrameProcessor.Prepare does with EdgeAgent:ReducedJpegDecoding=auto (the default).
        var pre = new FramePreprocessor(4096L * 4096, 256);
        using var frame = Frame.Copy(encoded, FrameFormat.Encoded, 0, 0, 1);
        using var image = pre.Decode(frame, manifest.Width, manifest.Height);
        var input = new float[manifest.Input.Length];
        FramePreprocessor.ToTensor(image, manifest, input);
        return input;
    }

    private float[] HostFromFile(byte[] encoded, string extension, BundleManifest manifest)
    {
        string file = Path.Combine(dir, "frame" + extension);
        File.WriteAllBytes(file, encoded);
        // An image-folder data set carries its files; evaluation and calibration decode them as the agent does.
        var data = new ImageDataset("one file", new byte[manifest.Channels], [0], manifest.Channels, 1, 1, ["a"]) { Files = [file] };
        return BundleInputBatches.Read(data, manifest, 8).Single().Data;
    }

    private static float[] HostFromPixels(Image<Rgb24> image, int channels, BundleManifest manifest)
    {
        // A stored data set (IDX, CIFAR): planar bytes, grey as training's reader stores it.
        int plane = image.Width * image.Height;
        var chw = new byte[channels * plane];
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
            {
                var p = image[x, y];
                int at = y * image.Width + x;
                if (channels == 1) chw[at] = ModelInputWriter.Luma(p);
                else { chw[at] = p.R; chw[plane + at] = p.G; chw[2 * plane + at] = p.B; }
            }
        var data = new ImageDataset("pixels", chw, [0], channels, image.Height, image.Width, ["a"]);
        return BundleInputBatches.Read(data, manifest, 8).Single().Data;
    }

    public static TheoryData<ResizePolicy, int, int, int> Cases()
    {
        var cases = new TheoryData<ResizePolicy, int, int, int>();
        foreach (var policy in Enum.GetValues<ResizePolicy>())
            foreach (int channels in new[] { 1, 3 })
                foreach (var (w, h) in new[] { (28, 28), (32, 32), (640, 480), (1920, 1080) })
                    cases.Add(policy, channels, w, h);
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Same_image_bytes_give_the_same_input_on_host_and_device(ResizePolicy policy, int channels, int width, int height)
    {
        var manifest = Manifest(policy, channels);
        using var pattern = Pattern(width, height);
        // Grey models: a grey source image, so its PNG holds exactly the bytes a grey data set stores.
        using var source = channels == 1 ? pattern.CloneAs<Rgb24>() : pattern;
        if (channels == 1)
            source.ProcessPixelRows(rows => { for (int y = 0; y < rows.Height; y++) foreach (ref var p in rows.GetRowSpan(y)) { byte l = ModelInputWriter.Luma(p); p = new Rgb24(l, l, l); } });
        using var png = new MemoryStream();
        source.SaveAsPng(png);
        using var jpg = new MemoryStream();
        source.SaveAsJpeg(jpg, new JpegEncoder { Quality = 90 });

        float[] devicePng = Device(png.ToArray(), manifest);
        Assert.Equal(devicePng, HostFromFile(png.ToArray(), ".png", manifest));
        Assert.Equal(devicePng, HostFromPixels(source, channels, manifest));
        // JPEG: both sides take the same reduced-size decode for frames much larger than the input.
        Assert.Equal(Device(jpg.ToArray(), manifest), HostFromFile(jpg.ToArray(), ".jpg", manifest));
    }

    [Fact]
    public void Pad_reproduces_training_28_to_32_exactly()
    {
        var data = GreyData(4);
        var manifest = Manifest(BatchLoader.ResizePolicyFor(data, 32), 1);
        Assert.Equal(ResizePolicy.Pad, manifest.ResizePolicy);

        float[] contract = BundleInputBatches.Read(data, manifest, 4).Single().Data;
        using var loader = new BatchLoader(data, new BatchLoaderOptions { BatchSize = 4, Mean = [0.286f], Std = [0.353f], TargetSize = 32, TargetChannels = 1 });
        var (images, labels) = loader.Batches(0).Single();
        using (images)
        using (labels)
        {
            float[] training = images.contiguous().data<float>().ToArray();
            Assert.Equal(training.Length, contract.Length);
            for (int i = 0; i < training.Length; i++) Assert.True(Math.Abs(training[i] - contract[i]) <= 1e-6, $"element {i}: training {training[i]}, contract {contract[i]}");
        }
    }

    [Fact]
    public void Center_crop_reproduces_training_on_an_image_folder()
    {
        string folder = Path.Combine(dir, "images", "cat");
        Directory.CreateDirectory(folder);
        using (var image = Pattern(640, 480)) image.SaveAsPng(Path.Combine(folder, "a.png"));
        var data = ImageFolderReader.Read(Path.Combine(dir, "images"), 32, 32, 3);
        var manifest = Manifest(BatchLoader.ResizePolicyFor(data, 32), 3);
        Assert.Equal(ResizePolicy.CenterCrop, manifest.ResizePolicy);

        float[] contract = BundleInputBatches.Read(data, manifest, 1).Single().Data;
        using var loader = new BatchLoader(data, new BatchLoaderOptions { BatchSize = 1, Mean = [0.485f, 0.456f, 0.406f], Std = [0.229f, 0.224f, 0.225f], TargetSize = 32 });
        var (images, labels) = loader.Batches(0).Single();
        using (images)
        using (labels)
        {
            float[] training = images.contiguous().data<float>().ToArray();
            for (int i = 0; i < training.Length; i++) Assert.True(Math.Abs(training[i] - contract[i]) <= 1e-5, $"element {i}: training {training[i]}, contract {contract[i]}");
        }
    }

    private static ImageDataset GreyData(int count) => Evaluation.EvaluationTestData.Grey28(count);
}
