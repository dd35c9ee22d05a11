using System.CommandLine;
using System.Globalization;
using EdgeToolkit.Compression.Export;
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
        var data = new Option<string>("--data") { Description = $"Dataset whose test images verify the export ({string.Join(", ", DatasetResolver.KnownNames)}) or folder", DefaultValueFactory = _ => "fashion-mnist" };
        var dataPath = new Option<string?>("--data-path") { Description = "Folder holding the dataset files" };
        var verifyImages = new Option<int>("--verify-images") { Description = "Real test images to verify on besides random inputs (0 = random inputs only)", DefaultValueFactory = _ => 64 };
        var opset = new Option<int>("--opset") { Description = "ONNX opset: 13 or 17", DefaultValueFactory = _ => 13 };
        opset.AcceptOnlyFromAmong("13", "17");
        var batchNorm = new Option<string>("--standalone-batchnorm") { Description = "BatchNorm not after a conv (DenseNet): depthwise-conv (quantizes) or batchnorm", DefaultValueFactory = _ => "depthwise-conv" };
        batchNorm.AcceptOnlyFromAmong("depthwise-conv", "batchnorm");
        var command = new Command("export", "Export a checkpoint to ONNX, verify it against TorchSharp with ONNX Runtime, and write a model bundle.")
        {
            checkpoint, output, data, dataPath, verifyImages, opset, batchNorm,
        };
        command.SetAction(parse =>
        {
            try
            {
                string checkpointFolder = parse.GetValue(checkpoint)!;
                var (spec, _) = Checkpoint.ReadSpec(checkpointFolder);
                ImageDataset? real = null;
                int count = parse.GetValue(verifyImages);
                if (count > 0)
                {
                    var resolved = DatasetResolver.Resolve(parse.GetValue(data)!, parse.GetValue(dataPath),
                        new DatasetResolverOptions { ImageSize = spec.InputSize, ImageChannels = spec.InputChannels });
                    real = TrainCommand.Limit(resolved.Test, count);
                    System.Console.WriteLine($"verifying on random inputs and {real.Count} test images of {resolved.Description}");
                }
                var options = new BundleExportOptions
                {
                    Onnx = new OnnxExportOptions
                    {
                        Opset = parse.GetValue(opset),
                        StandaloneBatchNorm = parse.GetValue(batchNorm) == "batchnorm" ? StandaloneBatchNormMode.BatchNormalization : StandaloneBatchNormMode.DepthwiseConv,
                    },
                    RealVerificationImages = Math.Max(1, count),
                };
                var result = BundleExporter.ExportCheckpoint(checkpointFolder, parse.GetValue(output)!, real, options);
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
