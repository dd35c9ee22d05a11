using System.Text.Json;

namespace EdgeToolkit.EdgeKit.Tests;

/// <summary>
/// <c>--data cifar10</c> end to end on a generated file set in the exact CIFAR-10 binary layout
/// (data_batch_1..5.bin and test_batch.bin of 1 label byte + 3072 pixel bytes, red, green then blue
/// plane; batches.meta.txt): train with the seed article's augmentation, export, quantize, evaluate.
/// </summary>
public sealed class CifarEndToEndTests
{
    private static readonly string[] Names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>Records whose class sets the mean colour of each plane (so a network can learn it), plus noise.</summary>
    private static byte[] Records(int count, int seed)
    {
        var rng = new Random(seed);
        var data = new byte[count * 3073];
        for (int i = 0; i < count; i++)
        {
            int label = i % 10;
            int offset = i * 3073;
            data[offset] = (byte)label;
            for (int plane = 0; plane < 3; plane++)
            {
                int mean = 40 + 20 * ((label + plane * 3) % 10);
                for (int p = 0; p < 1024; p++)
                    data[offset + 1 + plane * 1024 + p] = (byte)Math.Clamp(mean + rng.Next(-30, 31), 0, 255);
            }
        }
        return data;
    }

    private static string WriteCifar10()
    {
        string folder = Path.Combine(Path.GetTempPath(), "edgekit-cifar-e2e", Guid.NewGuid().ToString("N"), "cifar-10-batches-bin");
        Directory.CreateDirectory(folder);
        for (int b = 1; b <= 5; b++)
            File.WriteAllBytes(Path.Combine(folder, $"data_batch_{b}.bin"), Records(40, b));
        File.WriteAllBytes(Path.Combine(folder, "test_batch.bin"), Records(50, 9));
        File.WriteAllLines(Path.Combine(folder, "batches.meta.txt"), [.. Names, ""]);
        return folder;
    }

    [Fact]
    public void Cifar10_binary_files_train_export_quantize_and_evaluate()
    {
        string data = WriteCifar10();
        string root = Path.GetDirectoryName(Path.GetDirectoryName(data))!;
        string run = Path.Combine(root, "run"), fp32 = Path.Combine(root, "fp32"), int8 = Path.Combine(root, "int8");

        var (trainCode, trainOutput) = EdgeKitProcess.Run("train", "--data", "cifar10", "--data-path", Path.GetDirectoryName(data)!,
            "--arch", "resnet20", "--epochs", "2", "--batch-size", "20", "--crop-padding", "4", "--lr", "0.05", "--threads", "1", "--out", run);
        Assert.True(trainCode == 0, trainOutput);
        Assert.Contains("200 train / 50 test images, 10 classes", trainOutput);
        using (var spec = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "last", "spec.json"))))
        {
            var s = spec.RootElement;
            Assert.Equal(3, s.GetProperty("inputChannels").GetInt32());
            Assert.Equal(32, s.GetProperty("inputSize").GetInt32());
            Assert.Equal(3, s.GetProperty("mean").GetArrayLength()); // per-channel normalisation
            Assert.Equal(3, s.GetProperty("std").GetArrayLength());
            Assert.Equal(Names, s.GetProperty("labels").EnumerateArray().Select(e => e.GetString()));
        }

        var (exportCode, exportOutput) = EdgeKitProcess.Run("export", "--checkpoint", Path.Combine(run, "last"), "--out", fp32,
            "--data", "cifar10", "--data-path", data);
        Assert.True(exportCode == 0, exportOutput);
        Assert.True(File.Exists(Path.Combine(fp32, "model.onnx")), exportOutput);

        var (quantizeCode, quantizeOutput) = EdgeKitProcess.Run("quantize", "--bundle", fp32, "--out", int8,
            "--data", "cifar10", "--data-path", data, "--calibration", "64");
        Assert.True(quantizeCode == 0, quantizeOutput);

        foreach (string bundle in new[] { fp32, int8 })
        {
            var (evalCode, evalOutput) = EdgeKitProcess.Run("eval-bundle", "--bundle", bundle, "--data", "cifar10", "--data-path", data, "--threads", "1");
            Assert.True(evalCode == 0, evalOutput);
            Assert.Contains("images: 50", evalOutput);
            Assert.Contains("top-1:", evalOutput);
        }
    }
}
