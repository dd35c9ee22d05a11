using System.CommandLine;
using EdgeToolkit.Compression.Passes.Options;
using EdgeToolkit.EdgeKit.Console;
using EdgeToolkit.Preprocessing;
using EdgeToolkit.Training.Data;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Training;
using TorchSharp;

namespace EdgeToolkit.EdgeKit.Commands;

/// <summary><c>edgekit eval</c>: top-1, top-5 and confusion matrix of a checkpoint on a dataset's test split.</summary>
public static class EvalCommand
{
    /// <summary>The <c>--checkpoint</c> option (exposed so other model kinds can reuse the verb's options).</summary>
    public static Option<string> CheckpointOption { get; } = new("--checkpoint") { Description = "Checkpoint folder (with model.bin and spec.json)", Required = true };

    /// <summary>
    /// Test-time augmentation of the evaluation, spelled as export's (`--test-time-augmentation`, `--tta`; kebab-case values):
    /// a plain enum option listed and printed the C# names (`--tta &lt;Flip|None&gt;`).
    /// </summary>
    public static readonly EnumPassOption<TestTimeAugmentation> TestTimeAugmentationOption = new("testTimeAugmentation", TestTimeAugmentation.None,
        "Test-time augmentation: flip = mean of the logits of each image and its mirror. The device gets this accuracy only from a bundle exported with the same --tta")
    {
        CliAliases = ["--tta"],
    };

    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var data = DatasetNameOptions.Name();
        var dataPath = DatasetNameOptions.Path();
        var batchSize = new Option<int>("--batch-size") { Description = "Evaluation batch size", DefaultValueFactory = _ => 256 };
        var limit = new Option<int>("--limit") { Description = "Evaluate only N test images (0 = all)" };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (0 = all cores)" };
        var tta = TestTimeAugmentationOption.Cli();
        var command = new Command("eval", "Evaluate a checkpoint on the test split: top-1, top-5, confusion matrix.")
        {
            CheckpointOption, data, dataPath, batchSize, limit, threads, tta,
        };
        command.SetAction(parse =>
        {
            try
            {
                if (parse.GetValue(threads) > 0) torch.set_num_threads(parse.GetValue(threads));
                using var checkpoint = Checkpoint.Load(parse.GetValue(CheckpointOption)!);
                var spec = checkpoint.Spec;
                var resolved = DatasetResolver.Resolve(parse.GetValue(data)!, parse.GetValue(dataPath),
                    new DatasetResolverOptions { ImageSize = spec.InputSize, ImageChannels = spec.InputChannels });
                var test = TrainCommand.Limit(resolved.Test, parse.GetValue(limit));
                var augmentation = parse.GetValue(tta);
                using var predictor = augmentation == TestTimeAugmentation.None ? null : FlipAveraged.Apply(checkpoint.Model, augmentation);
                var result = ClassifierEvaluator.Evaluate(predictor ?? checkpoint.Model, spec, test, parse.GetValue(batchSize));
                EvaluationReport.Write(System.Console.Out,
                    $"{checkpoint.Path}: {spec.Architecture} on {resolved.Description}"
                    + (predictor is null ? "" : $", test-time {KebabCase.Name(augmentation)} (2 forward passes per image; export with --tta {KebabCase.Name(augmentation)} for the device to get it)"), result);
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or DatasetException)
            {
                System.Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
