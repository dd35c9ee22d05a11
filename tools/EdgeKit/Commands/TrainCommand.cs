using System.CommandLine;
using System.Globalization;
using EdgeToolkit.Compression.Passes;
using EdgeToolkit.EdgeKit.Console;
using EdgeToolkit.Training.Data;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Training;
using Spectre.Console;

namespace EdgeToolkit.EdgeKit.Commands;

/// <summary><c>edgekit train</c>: trains a classifier and writes <c>last</c>/<c>best</c> checkpoints and a JSON-lines log.</summary>
public static class TrainCommand
{
    /// <summary>Default architecture of <c>edgekit train</c> without arguments.</summary>
    public const string DefaultArchitecture = "mobilenet_v1";

    /// <summary>Default MobileNet width multiplier.</summary>
    public const double DefaultAlpha = 0.5;

    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var defaults = new TrainerOptions();
        var arch = new Option<string>("--arch") { Description = $"Architecture: {string.Join(", ", ModelFactory.Architectures)}", DefaultValueFactory = _ => DefaultArchitecture };
        var alpha = new Option<double>("--alpha") { Description = "MobileNet width multiplier (0, 1]", DefaultValueFactory = _ => DefaultAlpha };
        var data = DatasetNameOptions.Name();
        var dataPath = DatasetNameOptions.Path("Folder holding the dataset files (overrides the lookup)");
        var seed = new Option<int>("--seed") { Description = "Random seed (same seed, same run)", DefaultValueFactory = _ => defaults.Seed };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (0 = all cores)" };
        var output = new Option<string>("--out") { Description = "Output folder (last/, best/, train-log.jsonl)", DefaultValueFactory = _ => defaults.OutputDir };
        var resume = new Option<bool>("--resume") { Description = "Continue from <out>/last" };
        var limitTrain = DatasetLimitOptions.Train();
        var limitTest = DatasetLimitOptions.Test();
        var noAugment = new Option<bool>("--no-augment") { Description = "Disable random crop, flip and erasing" };
        var progressInterval = new Option<int>("--progress-interval") { Description = "Batches between progress reports", DefaultValueFactory = _ => defaults.ProgressInterval, Hidden = true };

        var command = new Command("train", "Train a classifier (default: MobileNet v1 alpha 0.5 on Fashion-MNIST) and save checkpoints.")
        {
            arch, alpha, data, dataPath, seed, threads, output, resume, limitTrain, limitTest, noAugment, progressInterval,
        };
        // The train pass's settings, declared once for this verb and for recipes.
        var declared = new CliPassOptions(command, TrainPassOptions.Declared);
        command.SetAction(parse =>
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            TrainPassOptions passOptions;
            TrainerOptions options;
            try
            {
                passOptions = TrainPassOptions.Bind(declared.Values(parse));
                if (parse.GetValue(noAugment)) passOptions = passOptions with { RandomCropPadding = 0, HorizontalFlip = false, RandomErasing = 0 };
                options = passOptions.ToTrainerOptions(parse.GetValue(seed), parse.GetValue(threads), parse.GetValue(output)!) with
                {
                    Resume = parse.GetValue(resume),
                    ProgressInterval = parse.GetValue(progressInterval),
                };
                options.Validate();
            }
            catch (ArgumentException e)
            {
                System.Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
            return Run(options, started, parse.GetValue(arch)!, parse.GetValue(alpha), passOptions.InputSize,
                parse.GetValue(data)!, parse.GetValue(dataPath), parse.GetValue(limitTrain), parse.GetValue(limitTest));
        });
        return command;
    }

    private static int Run(TrainerOptions options, System.Diagnostics.Stopwatch started, string arch, double alpha, int inputSize, string data, string? dataPath, int limitTrain, int limitTest)
    {
        var stdout = System.Console.Out;
        bool interactive = !System.Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        // While Spectre draws a progress bar, lines must go through AnsiConsole to appear above it.
        var logger = new CliLogger(interactive ? line => AnsiConsole.WriteLine(line) : stdout.WriteLine);
        bool isMobileNet = ModelFactory.Family(arch) == ArchitectureFamily.MobileNet;
        try
        {
            // Fail fast on model settings, before loading data.
            if (!ModelFactory.Architectures.Contains(arch.Trim(), StringComparer.OrdinalIgnoreCase))
                throw new ArgumentException($"ModelSpec.Architecture '{arch}' is unknown; known architectures: {string.Join(", ", ModelFactory.Architectures)}.");
            ModelFactory.Validate(new ModelSpec(arch, 10, 1, inputSize, isMobileNet ? alpha : 1.0));
        }
        catch (ArgumentException e)
        {
            System.Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        ResolvedDataset resolved;
        try
        {
            resolved = DatasetResolver.Resolve(data, dataPath, new DatasetResolverOptions { ImageSize = inputSize });
        }
        catch (DatasetException e)
        {
            System.Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        var train = Limit(resolved.Train, limitTrain);
        var test = Limit(resolved.Test, limitTest);
        stdout.WriteLine($"Data: {resolved.Description}; {train.Count} train / {test.Count} test images, {train.ClassNames.Count} classes");

        string lastPath = Path.Combine(Path.GetFullPath(options.OutputDir), Trainer.LastName);
        Checkpoint.Recover(lastPath);
        ModelSpec spec;
        if (options.Resume && File.Exists(Path.Combine(lastPath, Checkpoint.SpecFile)))
        {
            // Keep the normalisation the run started with.
            spec = Checkpoint.ReadSpec(lastPath).Spec;
        }
        else
        {
            spec = TrainPass.SpecFor(arch, isMobileNet ? alpha : 1.0, train, inputSize);
        }

        var requested = options.TimeBudget;
        if (options.TimeBudget is TimeSpan whole)
        {
            // The budget is the command's: what loading the data took is spent.
            var left = whole - started.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                System.Console.Error.WriteLine($"error: --time-budget {whole} was spent loading the data ({started.Elapsed.TotalSeconds:F0} s).");
                return 1;
            }
            options = options with { TimeBudget = left };
        }

        TrainingResult result;
        using var cancellation = new CliCancellation();
        try
        {
            ModelFactory.Validate(spec);
            if (interactive)
            {
                result = AnsiConsole.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .Start(ctx =>
                    {
                        ProgressTask? task = null;
                        int taskEpoch = 0;
                        var progress = new SyncProgress<TrainingProgress>(p =>
                        {
                            if (task is null || taskEpoch != p.Epoch)
                            {
                                task?.StopTask();
                                task = ctx.AddTask($"epoch {p.Epoch}/{p.Epochs}", maxValue: p.Batches);
                                taskEpoch = p.Epoch;
                            }
                            task.Value = p.Batch;
                            task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                                $"epoch {p.Epoch}/{p.Epochs} loss {p.Loss:F4} {p.ImagesPerSecond:F0} img/s ETA {p.Eta:hh\\:mm\\:ss}"));
                        });
                        return TrainPass.Train(spec, options, train, test, progress, cancellation.Token, logger);
                    });
            }
            else
            {
                var progress = new SyncProgress<TrainingProgress>(p => stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"epoch {p.Epoch}/{p.Epochs} batch {p.Batch}/{p.Batches} loss {p.Loss:F4} lr {p.LearningRate:G4} {p.ImagesPerSecond:F0} img/s ETA {p.Eta:hh\\:mm\\:ss}")));
                result = TrainPass.Train(spec, options, train, test, progress, cancellation.Token, logger);
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or TrainingDivergedException)
        {
            System.Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }

        if (result.Interrupted)
        {
            stdout.WriteLine($"Interrupted after {result.CompletedEpochs} complete epochs; resumable checkpoint: {result.LastCheckpoint}");
            stdout.WriteLine("Continue with the same arguments plus --resume.");
            return 130;
        }
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Best test accuracy {result.BestAccuracy:P2} at epoch {result.BestEpoch}"));
        if (result.Plan?.BudgetSeconds is not null)
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Time budget {requested ?? TimeSpan.FromSeconds(result.Plan.BudgetSeconds.Value):hh\\:mm\\:ss}: planned {TimeSpan.FromSeconds(result.Plan.PlannedSecondsAtStart!.Value):hh\\:mm\\:ss} of training at the start, took {TimeSpan.FromSeconds(result.WallSeconds):hh\\:mm\\:ss} ({result.Plan.Shape}); {started.Elapsed:hh\\:mm\\:ss} in all"));
        stdout.WriteLine($"Best checkpoint: {result.BestCheckpoint}");
        stdout.WriteLine($"Last checkpoint: {result.LastCheckpoint}");
        stdout.WriteLine($"Log: {Path.Combine(Path.GetFullPath(options.OutputDir), Trainer.LogFile)}");
        return 0;
    }

    /// <summary>An even spread of at most <paramref name="limit"/> images (0 = all): the pipeline's subset, so both routes see the same images.</summary>
    internal static ImageDataset Limit(ImageDataset data, int limit) => RecipeDatasetSource.Limit(data, limit);
}
