using System.Diagnostics;
using Onnx;

namespace EdgeToolkit.Compression.Tests.Quantization;

/// <summary>
/// The foreign-model zoo for tests: random-weight torchvision models exported by torch.onnx.export
/// (benchmarks/zoo/export_zoo.py, Debian python3-torch + python3-torchvision) at 32x32, 10 classes,
/// opsets 13 and 17. Exported once per machine into a temp folder named after the script's hash
/// (the files are 3-45 MB each: too large to check in).
/// </summary>
internal static class TorchvisionZoo
{
    public const int Size = 32;
    public const int Classes = 10;
    private static readonly Lazy<string> Folder = new(Export);

    public static readonly string[] Models =
        ["mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large", "resnet18", "shufflenet_v2_x1_0", "efficientnet_b0", "squeezenet1_1"];

    public static ModelProto Load(string model, int opset) =>
        ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(Folder.Value, $"{model}-opset{opset}-{Size}", "model.onnx")));

    public static string Script
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "benchmarks", "zoo", "export_zoo.py");
                if (File.Exists(candidate)) return candidate;
            }
            throw new FileNotFoundException("benchmarks/zoo/export_zoo.py not found above the test folder");
        }
    }

    private static string Export()
    {
        string script = Script;
        string hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(script)))[..12];
        string folder = Path.Combine(Path.GetTempPath(), $"edgekit-zoo-{hash}");
        if (Directory.Exists(folder)) return folder;
        string temp = folder + $".tmp-{Environment.ProcessId}";
        RunScript([temp, "--size", Size.ToString(System.Globalization.CultureInfo.InvariantCulture), "--classes", Classes.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        try
        {
            Directory.Move(temp, folder);
        }
        catch (IOException) when (Directory.Exists(folder))
        {
            Directory.Delete(temp, recursive: true); // another test process exported it first
        }
        return folder;
    }

    /// <summary>
    /// Trains torchvision's MobileNetV2 width 0.5 (1-channel stem) on the embedded Fashion-MNIST subset with the script's
    /// <c>--fashion-mnist</c> mode and exports it at opset 13 with its hand-written manifest (resizePolicy pad, mean/std 0.5,
    /// as training fed it) into <paramref name="output"/>; returns the bundle folder and PyTorch's own top-1 on the
    /// subset's 1,000 test images.
    /// </summary>
    public static (string Bundle, double TorchTop1) TrainFashionMnist(string output, int seed, int epochs, int stemStride)
    {
        string data = Path.Combine(RepositoryRoot, "data", "fashion-mnist-subset");
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        string stdout = RunScript([output, "--fashion-mnist", "--data", data, "--images", "6000", "--epochs", epochs.ToString(inv),
            "--seed", seed.ToString(inv), "--stem-stride", stemStride.ToString(inv), "--opsets", "13", "--threads", "1"]);
        var match = System.Text.RegularExpressions.Regex.Match(stdout, @"fp32 PyTorch test accuracy ([0-9.]+) %");
        if (!match.Success) throw new InvalidOperationException($"export_zoo.py --fashion-mnist printed no test accuracy:\n{stdout}");
        return (Path.Combine(output, "fmnist_mobilenet_v2_0.5-opset13"), double.Parse(match.Groups[1].Value, inv) / 100);
    }

    private static string RepositoryRoot => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Script)!, "..", ".."));

    /// <summary>Runs export_zoo.py with Debian's python3 and returns its standard output; throws with both streams when it fails.</summary>
    private static string RunScript(IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo("/usr/bin/python3", [Script, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"export_zoo.py {string.Join(' ', arguments)} failed ({process.ExitCode}); python3-torch and python3-torchvision are needed (test.sh installs them):\n{stdout}\n{stderr.Result}");
        return stdout;
    }
}
