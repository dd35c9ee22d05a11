using System.CommandLine;
using System.Globalization;
using EdgeToolkit.Compression.Passes;
using EdgeToolkit.EdgeKit.Console;
using EdgeToolkit.Training.Data;

namespace EdgeToolkit.EdgeKit.Commands;

/// <summary><c>edgekit pipeline recipe.json</c>: runs a recipe of passes over its matrix and writes results.md, results.json and report.html.</summary>
public static class PipelineCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var recipeFile = new Argument<string>("recipe") { Description = "Recipe JSON file (see recipes/ and docs/pipeline.md)" };
        var output = new Option<string?>("--output") { Description = "Root folder of runs (overrides the recipe's \"output\")" };
        var threads = new Option<int?>("--threads") { Description = "libtorch / ONNX Runtime threads (overrides the recipe; 0 = default)" };
        var check = new Option<bool>("--check") { Description = "Only validate the recipe and its run folder, run nothing" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an earlier run in <output>/<name> (only a folder edgekit made and marked; anything else is never touched)" };
        var command = new Command("pipeline", "Run a recipe: train -> prune -> fine-tune -> export -> quantize -> evaluate -> bench over a matrix, with a report.")
        {
            recipeFile, output, threads, check, overwrite,
        };
        command.SetAction(parse =>
        {
            Recipe recipe;
            try
            {
                recipe = RecipeLoader.Load(parse.GetValue(recipeFile)!);
            }
            catch (RecipeException e)
            {
                System.Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
            if (parse.GetValue(output) is { } o) recipe = recipe with { Output = o };
            if (parse.GetValue(threads) is { } t) recipe = recipe with { Threads = t };
            try
            {
                RunFolder.Check(recipe, parse.GetValue(overwrite));
            }
            catch (RecipeException e)
            {
                System.Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
            if (parse.GetValue(check))
            {
                System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{recipe.Source}: valid; {recipe.Passes.Count} passes ({string.Join(" -> ", recipe.Passes.Select(p => p.Name))}) over {recipe.Matrix.Cells().Count} cells"));
                return 0;
            }
            using var cancellation = new CliCancellation();
            return PipelineConsole.Run(recipe, null, parse.GetValue(overwrite), cancellation.Token) is null ? 1 : 0;
        });
        return command;
    }
}

/// <summary>Runs a recipe with progress lines on the console and prints the table; shared by <c>pipeline</c> and <c>demo</c>.</summary>
internal static class PipelineConsole
{
    /// <summary>Runs and prints; returns null (after printing the error) when the run failed.</summary>
    public static PipelineResults? Run(Recipe recipe, IDatasetSource? data, bool overwrite, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var progress = new SyncProgress<string>(line => System.Console.WriteLine(
            string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed:mm\\:ss}] {line}")));
        try
        {
            var results = new PipelineRunner(recipe, data) { Progress = progress, Overwrite = overwrite }.Run(cancellationToken);
            System.Console.WriteLine();
            System.Console.Write(ResultsReport.Table(results.Rows));
            System.Console.WriteLine();
            System.Console.WriteLine($"results: {results.MarkdownPath}");
            System.Console.WriteLine($"         {results.JsonPath}");
            System.Console.WriteLine($"report:  {results.HtmlPath}");
            return results;
        }
        catch (OperationCanceledException)
        {
            System.Console.Error.WriteLine("pipeline: cancelled");
            return null;
        }
        catch (Exception e) when (e is RecipeException or ArgumentException or InvalidOperationException or InvalidDataException or IOException or DatasetException
            or Compression.Export.OnnxExportException or Compression.Quantization.QuantizationException or ModelBundle.BundleException
            or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            System.Console.Error.WriteLine($"error: {e.Message}");
            return null;
        }
    }
}
