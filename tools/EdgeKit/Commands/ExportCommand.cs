using System.CommandLine;
using System.Globalization;
using EdgeToolkit.Compression.Export;
using EdgeToolkit.Compression.Passes;
using EdgeToolkit.EdgeKit.Console;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Training.Data;
using EdgeToolkit.Training.Training;

namespace EdgeToolkit.EdgeKit.Commands;

/// <summary><c>edgekit export</c>: a checkpoint to a verified fp32 ONNX bundle (model.onnx + manifest.json).</summary>
public static class ExportCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Checkpoint folder (with model.bin and spec.json)", Required = true };
        var output = new Option<string>("--out") { Description = "Output bundle folder", Required = true };
        var data = DatasetNameOptions.Name("Dataset whose test images verify the export");
        var dataPath = DatasetNameOptions.Path();
        var verifyImages = ExportPassOptions.VerificationImagesOption.Cli();
        var opset = ExportPassOptions.OpsetOption.Cli();
        var batchNorm = ExportPassOptions.StandaloneBatchNormOption.Cli();
        var tta = ExportPassOptions.TestTimeAugmentationOption.Cli();
        var command = new Command("export", "Export a checkpoint to ONNX, verify it against TorchSharp with ONNX Runtime, and write a model bundle.")
        {
            checkpoint, output, data, dataPath, verifyImages, opset, batchNorm, tta,
        };
        command.SetAction(parse =>
        {
            try
            {
                string checkpointFolder = parse.GetValue(checkpoint)!;
                var (spec, _) = Checkpoint.ReadSpec(checkpointFolder);
                // The pipeline's export pass, with the options this verb bound from the pass's declarations.
                var pass = new ExportPass(new ExportPassOptions
                {
                    Opset = parse.GetValue(opset),
                    VerificationImages = parse.GetValue(verifyImages),
                    StandaloneBatchNorm = parse.GetValue(batchNorm),
                    TestTimeAugmentation = parse.GetValue(tta),
                });
                ImageDataset? real = null;
                if (pass.Options.VerificationImages > 0)
                {
                    var resolved = DatasetResolver.Resolve(parse.GetValue(data)!, parse.GetValue(dataPath),
                        new DatasetResolverOptions { ImageSize = spec.InputSize, ImageChannels = spec.InputChannels });
                    real = TrainCommand.Limit(resolved.Test, pass.Options.VerificationImages);
                    System.Console.WriteLine($"verifying on random inputs and {real.Count} test images of {resolved.Description}");
                }
                var result = pass.Export(checkpointFolder, parse.GetValue(output)!, real, "edgekit export");
                foreach (var check in result.Export.Checks)
                    System.Console.WriteLine($"verified {check}");
                var m = result.Bundle.Manifest;
                System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"wrote {result.Bundle.ModelPath}: {m.Architecture} alpha {m.Alpha}, input [{string.Join(", ", m.InputShape)}], {m.Parameters:N0} parameters, {m.Macs:N0} MACs, {m.FileSizeBytes / 1024.0:F0} KiB, accuracy {(m.Accuracy is double a ? a.ToString("P2", CultureInfo.InvariantCulture) : "unknown")}"));
                return 0;
            }
            catch (Exception e) when (e is OnnxExportException or ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or DatasetException or BundleException or IOException)
            {
                System.Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
