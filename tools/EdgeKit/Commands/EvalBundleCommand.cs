using System.CommandLine;
using EdgeToolkit.Compression.Evaluation;
using EdgeToolkit.Compression.Passes;
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
        var data = DatasetNameOptions.Name();
        var dataPath = DatasetNameOptions.Path();
        var batchSize = EvaluatePassOptions.BatchSizeOption.Cli();
        var limit = EvaluatePassOptions.LimitOption.Cli();
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0 = default)" };
        var preprocessing = EvaluatePassOptions.PreprocessingOption.Cli();
        var command = new Command("eval-bundle", "Evaluate a model bundle with ONNX Runtime on the test split: top-1, top-5, confusion matrix.")
        {
            bundle, data, dataPath, batchSize, limit, threads, preprocessing,
        };
        command.SetAction(parse => Run(parse.GetValue(bundle)!, parse.GetValue(data)!, parse.GetValue(dataPath), new EvaluatePassOptions
        {
            BatchSize = parse.GetValue(batchSize),
            Limit = parse.GetValue(limit),
            Preprocessing = parse.GetValue(preprocessing),
        }, parse.GetValue(threads)));
        return command;
    }

    /// <summary>
    /// Evaluates <paramref name="bundleFolder"/> on the test split of <paramref name="data"/> with the pipeline's evaluate pass
    /// and prints the report; returns the exit code (0, or 1 after printing the error). Reusable by <c>edgekit eval --bundle</c>.
    /// </summary>
    public static int Run(string bundleFolder, string data, string? dataPath, EvaluatePassOptions options, int threads = 0)
    {
        try
        {
            var pass = new EvaluatePass(options);
            var loaded = ModelBundleFolder.Read(bundleFolder);
            var m = loaded.Manifest;
            var resolved = DatasetResolver.Resolve(data, dataPath,
                new DatasetResolverOptions { ImageSize = m.Height, ImageChannels = m.Channels });
            int count = RecipeDatasetSource.Limit(resolved.Test, options.Limit).Count;
            (EvaluationResult Result, string Preprocessing) evaluated;
            if (!System.Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
            {
                evaluated = AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask("evaluating", maxValue: count);
                        return pass.EvaluateFully(bundleFolder, resolved.Test, threads, progress: new SyncProgress<EvaluationProgress>(p => task.Value = p.ImagesDone));
                    });
            }
            else
            {
                evaluated = pass.EvaluateFully(bundleFolder, resolved.Test, threads,
                    progress: new SyncProgress<EvaluationProgress>(p => System.Console.Error.WriteLine($"evaluated {p.ImagesDone}/{p.ImagesTotal}")));
            }
            EvaluationReport.Write(System.Console.Out, $"{loaded.ModelPath}: {m.Architecture} ({KebabCase.Name(m.Precision)}) with ONNX Runtime on {resolved.Description}", evaluated.Result);
            System.Console.Out.WriteLine($"Preprocessing: {evaluated.Preprocessing}");
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or DatasetException or BundleException or ImageDecodeException)
        {
            System.Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
