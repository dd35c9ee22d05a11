using System.CommandLine;
using System.Globalization;
using EdgeToolkit.Compression.Passes;
using EdgeToolkit.Compression.Quantization;
using EdgeToolkit.EdgeKit.Console;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Training.Data;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.EdgeKit.Commands;

/// <summary><c>edgekit quantize</c>: static INT8 (QDQ) quantization of an fp32 bundle, calibrated on training images.</summary>
public static class QuantizeCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var bundle = new Option<string>("--bundle") { Description = "fp32 model bundle folder (model.onnx + manifest.json)", Required = true };
        var output = new Option<string>("--out") { Description = "Output int8 bundle folder", Required = true };
        var data = DatasetNameOptions.Name("Calibration dataset", "; its training split is used");
        var dataPath = DatasetNameOptions.Path();
        var command = new Command("quantize", "Quantize an fp32 ONNX bundle to INT8 (QDQ format) with calibration on training images.")
        {
            bundle, output, data, dataPath,
        };
        // The quantize pass's settings, declared once for this verb and for recipes.
        var declared = new CliPassOptions(command, QuantizePassOptions.Declared);
        command.SetAction(parse =>
        {
            try
            {
                var pass = new QuantizePass(QuantizePassOptions.Bind(declared.Values(parse)));
                var options = pass.Options.Quantization;
                string inputFolder = parse.GetValue(bundle)!, outputFolder = parse.GetValue(output)!;
                var source = ModelBundleFolder.Read(inputFolder);
                var m = source.Manifest;
                if (m.Precision != Precision.Fp32)
                    throw new ArgumentException($"{source.Folder}: --bundle must be an fp32 bundle, its manifest says precision '{KebabCase.Name(m.Precision)}'");
                var resolved = DatasetResolver.Resolve(parse.GetValue(data)!, parse.GetValue(dataPath),
                    new DatasetResolverOptions { ImageSize = m.Height, ImageChannels = m.Channels });
                System.Console.WriteLine($"calibrating {m.Architecture} ({source.ModelPath}) on up to {options.CalibrationCount} images of {resolved.Description}, method {KebabCase.Name(options.Method)}");
                var written = pass.Quantize(inputFolder, outputFolder, resolved.Train, new SyncProgress<string>(System.Console.WriteLine));
                System.Console.WriteLine(SummaryLine(source.ModelPath, Path.Combine(outputFolder, written.ModelFile)));
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or QuantizationException or BundleException or DatasetException or IOException)
            {
                System.Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>
    /// The closing line: the int8 file's size and its ratio to the fp32 file. Both sizes come from the files on
    /// disk, since a hand-written manifest may leave <c>fileSizeBytes</c> out.
    /// </summary>
    public static string SummaryLine(string floatModelPath, string int8ModelPath)
    {
        long floatBytes = new FileInfo(floatModelPath).Length, int8Bytes = new FileInfo(int8ModelPath).Length;
        double ratio = int8Bytes / (double)floatBytes;
        return string.Create(CultureInfo.InvariantCulture,
            $"wrote {int8ModelPath}: {int8Bytes / 1024.0:F0} KiB ({ratio:P1} of fp32 {floatBytes / 1024.0:F0} KiB), precision int8");
    }
}
