using System.CommandLine;
using EdgeToolkit.Compression.Evaluation;
using EdgeToolkit.EdgeKit.Console;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Training.Data;
using EdgeToolkit.Training.Training;
using Spectre.Console;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.EdgeKit.Commands;

/// <summary><c>edgekit eval-bundle</c>: top-1, top-5 and confusion matrix of a bundle's ONNX model with ONNX Runtime.</summary>
public static class EvalBundleCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var bundle = new Option<string>("--bundle") { Description = "Model bundle folder (model.onnx + manifest.json)", Required = true };
        var data = new Option<string>("--data") { Description = $"Dataset name ({string.Join(", ", DatasetResolver.KnownNames)}) or folder", DefaultValueFactory = _ => "fashion-mnist" };
        var dataPath = new Option<string?>("--data-path") { Description = "Folder holding the dataset files" };
        var batchSize = new Option<int>("--batch-size") { Description = "Images per ONNX Runtime call", DefaultValueFactory = _ => 256 };
        var limit = new Option<int>("--limit") { Description = "Evaluate only N test images (0 = all)" };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0 = default)" };
        var preprocessing = EnumOption.Create("--preprocessing",
            "How images become model inputs: manifest = the bundle's preprocessing contract, as the device agent feeds them; training-loader = training's TorchSharp loader",
            EvaluationPreprocessing.Manifest);
        var command = new Command("eval-bundle", "Evaluate a model bundle with ONNX Runtime on the test split: top-1, top-5, confusion matrix.")
        {
            bundle, data, dataPath, batchSize, limit, threads, preprocessing,
        };
        command.SetAction(parse => Run(parse.GetValue(bundle)!, parse.GetValue(data)!, parse.GetValue(dataPath),
            parse.GetValue(batchSize), parse.GetValue(limit), parse.GetValue(threads), parse.GetValue(preprocessing)));
        return command;
    }

    /// <summary>
    /// Evaluates <paramref name="bundleFolder"/> on the test split of <paramref name="data"/> and prints the
    /// report; returns the exit code (0, or 1 after printing the error). Reusable by <c>edgekit eval --bundle</c>.
    /// </summary>
    public static int Run(string bundleFolder, string data, string? dataPath, int batchSize = 256, int limit = 0, int threads = 0,
        EvaluationPreprocessing preprocessing = EvaluationPreprocessing.Manifest)
    {
        try
        {
            var loaded = ModelBundleFolder.Read(bundleFolder);
            var m = loaded.Manifest;
            var resolved = DatasetResolver.Resolve(data, dataPath,
                new DatasetResolverOptions { ImageSize = m.Height, ImageChannels = m.Channels });
            var test = TrainCommand.Limit(resolved.Test, limit);
            using var evaluator = new OnnxEvaluator(loaded, new OnnxEvaluatorOptions { BatchSize = batchSize, Threads = threads, Preprocessing = preprocessing });
            EvaluationResult result;
            if (!System.Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
            {
                result = AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask("evaluating", maxValue: test.Count);
                        return evaluator.Evaluate(test, new SyncProgress<EvaluationProgress>(p => task.Value = p.ImagesDone));
                    });
            }
            else
            {
                result = evaluator.Evaluate(test, new SyncProgress<EvaluationProgress>(p => System.Console.Error.WriteLine($"evaluated {p.ImagesDone}/{p.ImagesTotal}")));
            }
            EvaluationReport.Write(System.Console.Out, $"{loaded.ModelPath}: {m.Architecture} ({KebabCase.Name(m.Precision)}) with ONNX Runtime on {resolved.Description}", result);
            System.Console.Out.WriteLine($"Preprocessing: {evaluator.DescribePreprocessing(test)}");
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or DatasetException or BundleException or ImageDecodeException)
        {
            System.Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
