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
        var data = new Option<string>("--data") { Description = $"Calibration dataset ({string.Join(", ", DatasetResolver.KnownNames)}) or folder; its training split is used", DefaultValueFactory = _ => "fashion-mnist" };
        var dataPath = new Option<string?>("--data-path") { Description = "Folder holding the dataset files" };
        var method = new Option<string>("--method") { Description = "Calibration method: minmax, percentile or entropy", DefaultValueFactory = _ => QuantizationOptions.Default.Method.ToString().ToLowerInvariant() };
        method.AcceptOnlyFromAmong("minmax", "percentile", "entropy");
        var percentile = new Option<double>("--percentile") { Description = "Percentile of |x| kept by --method percentile", DefaultValueFactory = _ => QuantizationOptions.Default.Percentile };
        var calibration = new Option<int>("--calibration") { Description = "Number of calibration images", DefaultValueFactory = _ => QuantizationOptions.Default.CalibrationCount };
        var exclude = new Option<string?>("--exclude") { Description = "Comma-separated node names kept in float (e.g. the first conv or the classifier)" };
        var floatLayers = new Option<string>("--float-layers") { Description = $"Layers kept in float by position, comma separated: {string.Join(", ", FloatLayerNames.Known)}", DefaultValueFactory = _ => FloatLayerNames.Format(QuantizationOptions.Default.FloatLayers) };
        var activations = new Option<string>("--activations") { Description = "Activation type: auto (chosen for --target), int8 or uint8", DefaultValueFactory = _ => "auto" };
        activations.AcceptOnlyFromAmong("auto", "int8", "uint8");
        var target = new Option<string>("--target") { Description = $"CPU family the model will run on: {string.Join(", ", QuantizationTargetNames.Known)} (decides the activation type)", DefaultValueFactory = _ => QuantizationTargetNames.Format(QuantizationOptions.Default.Target) };
        target.AcceptOnlyFromAmong([.. QuantizationTargetNames.Known]);
        var symmetric = new Option<bool>("--symmetric") { Description = "Symmetric activations (zero point at the middle of the type)" };
        var perTensor = new Option<bool>("--per-tensor") { Description = "One weight scale per tensor instead of per output channel" };
        var quantizeOutput = new Option<bool>("--quantize-output") { Description = "Also quantize the logits (kept float by default)" };
        var equalize = new Option<bool>("--equalize") { Description = "Cross-layer equalization of Conv -> Relu -> Conv chains before calibration (float function unchanged)" };
        var reduceRange = new Option<bool>("--reduce-range") { Description = "7-bit weights: avoids u8*s8 overflow on x86 CPUs without VNNI" };
        var maxDropSetting = QuantizePassOptions.MaxDrop;
        var maxDrop = new Option<double?>(maxDropSetting.CliName)
        {
            Description = string.Create(CultureInfo.InvariantCulture, $"{maxDropSetting.Help} ({maxDropSetting.Min} to {maxDropSetting.Max}; off when not given)"),
        };
        maxDrop.Validators.Add(result =>
        {
            // Only a parsed number is range-checked; a non-number is already a parse error naming the token.
            if (result.Tokens.Count == 1 && double.TryParse(result.Tokens[0].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
                && maxDropSetting.Problem(v, maxDropSetting.CliName) is { } problem)
                result.AddError(problem + ".");
        });
        var heldOut = QuantizePassOptions.HeldOut.Cli();
        var latencyCheck = QuantizePassOptions.LatencyCheck.Cli();
        var latencyThreads = QuantizePassOptions.LatencyThreadsOption.Cli();
        var biasCorrection = new Option<bool>("--bias-correction") { Description = "Shift each Conv/Gemm bias by the mean error its int8 form adds to that output channel (measured on calibration images)" };
        var command = new Command("quantize", "Quantize an fp32 ONNX bundle to INT8 (QDQ format) with calibration on training images.")
        {
            bundle, output, data, dataPath, method, percentile, calibration, exclude, floatLayers, activations, target, symmetric, perTensor, quantizeOutput, equalize, reduceRange,
            maxDrop, heldOut, biasCorrection, latencyCheck, latencyThreads,
        };
        command.SetAction(parse =>
        {
            try
            {
                var options = new QuantizationOptions
                {
                    Method = parse.GetValue(method) switch
                    {
                        "percentile" => CalibrationMethod.Percentile,
                        "entropy" => CalibrationMethod.Entropy,
                        _ => CalibrationMethod.MinMax,
                    },
                    Percentile = parse.GetValue(percentile),
                    CalibrationCount = parse.GetValue(calibration),
                    ExcludedNodes = (parse.GetValue(exclude) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                    FloatLayers = FloatLayerNames.Parse(parse.GetValue(floatLayers)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), "--float-layers"),
                    ActivationType = parse.GetValue(activations) switch
                    {
                        "uint8" => QuantizedActivationType.UInt8,
                        "int8" => QuantizedActivationType.Int8,
                        _ => QuantizedActivationType.Auto,
                    },
                    Target = QuantizationTargetNames.Parse(parse.GetValue(target)!, "--target"),
                    SymmetricActivations = parse.GetValue(symmetric),
                    PerChannel = !parse.GetValue(perTensor),
                    QuantizeOutputs = parse.GetValue(quantizeOutput),
                    ReduceWeightRange = parse.GetValue(reduceRange),
                    EqualizeLayers = parse.GetValue(equalize),
                    CorrectBias = parse.GetValue(biasCorrection),
                    MaxAccuracyDrop = parse.GetValue(maxDrop),
                }.Validate();
                int heldOutImages = parse.GetValue(heldOut);
                string inputFolder = parse.GetValue(bundle)!, outputFolder = parse.GetValue(output)!;
                var source = ModelBundleFolder.Read(inputFolder);
                var m = source.Manifest;
                if (m.Precision != Precision.Fp32)
                    throw new ArgumentException($"{source.Folder}: --bundle must be an fp32 bundle, its manifest says precision '{KebabCase.Name(m.Precision)}'");
                var resolved = DatasetResolver.Resolve(parse.GetValue(data)!, parse.GetValue(dataPath),
                    new DatasetResolverOptions { ImageSize = m.Height, ImageChannels = m.Channels });
                System.Console.WriteLine($"calibrating {m.Architecture} ({source.ModelPath}) on up to {options.CalibrationCount} images of {resolved.Description}, method {options.Method}");
                var pass = new QuantizePass(new QuantizePassOptions(options)
                {
                    HeldOutImages = heldOutImages,
                    LatencyCheckMode = parse.GetValue(latencyCheck),
                    LatencyThreads = parse.GetValue(latencyThreads),
                });
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
