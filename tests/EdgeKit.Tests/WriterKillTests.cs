using EdgeToolkit.Compression.Export;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Preprocessing;
using EdgeToolkit.Training.Models;

namespace EdgeToolkit.EdgeKit.Tests;

/// <summary>
/// Fault injection with a real SIGKILL: <c>edgekit quantize</c> is killed while it writes into an existing
/// bundle folder, at the moment its temporary files appear (mid-write) and a little after (between or after
/// the renames). After every kill the folder must read as one complete bundle, the previous one or the new
/// one, never a mixture or a truncated model.
/// </summary>
public sealed class WriterKillTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("edgekit-kill-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static string[] QuantizeArgs(string fp32, string output, int calibration) =>
        ["quantize", "--bundle", fp32, "--out", output, "--data", "embedded", "--calibration", calibration.ToString(System.Globalization.CultureInfo.InvariantCulture)];

    [Fact]
    public void Sigkill_of_quantize_into_an_existing_bundle_always_leaves_a_complete_bundle()
    {
        // A MobileNet 1.0 (a few MB once quantized: writing and flushing it takes long enough to be hit).
        string fp32 = Path.Combine(dir, "fp32");
        var spec = new ModelSpec("mobilenet_v1", 10, 1, 32, 1.0)
        {
            Mean = [0.5f], Std = [0.25f], Labels = Enumerable.Range(0, 10).Select(i => $"c{i}").ToArray(), ResizePolicy = ResizePolicy.Pad,
        };
        TorchSharp.torch.random.manual_seed(5);
        using (var model = ModelFactory.Create(spec)) BundleExporter.Export(model, spec, fp32);

        // The two bundles a run can write (calibration on 16 or 24 images gives other scales, so other bytes).
        var sha = new Dictionary<int, string>();
        foreach (int calibration in new[] { 16, 24 })
        {
            string reference = Path.Combine(dir, $"reference-{calibration}");
            var (code, output) = EdgeKitProcess.Run(QuantizeArgs(fp32, reference, calibration));
            Assert.True(code == 0, output);
            sha[calibration] = ModelBundleFolder.Read(reference).Manifest.Sha256;
        }
        Assert.NotEqual(sha[16], sha[24]);

        string target = Path.Combine(dir, "int8");
        var (firstCode, firstOutput) = EdgeKitProcess.Run(QuantizeArgs(fp32, target, 16));
        Assert.True(firstCode == 0, firstOutput);

        int killedMidWrite = 0;
        var random = new Random(7);
        for (int attempt = 0; attempt < 10 && killedMidWrite < 2; attempt++)
        {
            string before = ModelBundleFolder.Read(target).Manifest.Sha256;
            int next = before == sha[16] ? 24 : 16;
            bool sawTemp = false;
            using (var run = EdgeKitProcess.Start(QuantizeArgs(fp32, target, next)))
            {
                // Watch for the writer's temporary files (staged model or manifest, the set-aside previous model).
                while (!run.HasExited && !(sawTemp = WriterTempFiles(target).Any())) Thread.Yield();
                if (sawTemp && attempt % 2 == 1) Thread.Sleep(random.Next(0, 4)); // also land a little later
                run.KillHard();
                run.WaitForExit();
            }

            var after = ModelBundleFolder.Read(target); // throws if the folder is not one complete bundle
            Assert.True(after.Manifest.Sha256 == before || after.Manifest.Sha256 == sha[next],
                $"attempt {attempt}: the bundle is neither the previous one nor the new one ({after.Manifest.Sha256})");
            Assert.Equal(after.Manifest.Sha256, BoundedFile.Sha256(after.ModelPath, ModelBundleFolder.MaxModelBytes));
            if (sawTemp && after.Manifest.Sha256 == before) killedMidWrite++;
        }
        Assert.True(killedMidWrite >= 1, "no kill landed while the writer had its temporary files open; the test proved nothing");

        // An uninterrupted run afterwards publishes normally: the leftovers of the killed writers do not disturb it.
        var (lastCode, lastOutput) = EdgeKitProcess.Run(QuantizeArgs(fp32, target, 24));
        Assert.True(lastCode == 0, lastOutput);
        var last = ModelBundleFolder.Read(target);
        Assert.Equal(sha[24], last.Manifest.Sha256);
        Assert.Equal(Path.Combine(target, "model.onnx"), last.ModelPath);
    }

    private static IEnumerable<string> WriterTempFiles(string folder) =>
        Directory.EnumerateFiles(folder).Select(Path.GetFileName).Where(n =>
            n!.StartsWith(".model.onnx", StringComparison.Ordinal) || n.StartsWith(".manifest.json", StringComparison.Ordinal))!;
}
