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

    /// <summary>Default epochs (about 2-3 minutes on 2 cores with the embedded 6,000-image subset).</summary>
    public const int DefaultEpochs = 8;

    /// <summary>Upper bound of the epochs a <c>--time-budget</c> run may plan when <c>--epochs</c> is not given.</summary>
    public const int BudgetMaxEpochs = 1000;

    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var defaults = new TrainerOptions();
        var arch = new Option<string>("--arch") { Description = $"Architecture: {string.Join(", ", ModelFactory.Architectures)}", DefaultValueFactory = _ => DefaultArchitecture };
        var alpha = new Option<double>("--alpha") { Description = "MobileNet width multiplier (0, 1]", DefaultValueFactory = _ => DefaultAlpha };
        var inputSize = new Option<int>("--input-size") { Description = "Square model input in pixels (28x28 data is padded to 32)", DefaultValueFactory = _ => 32 };
        var data = new Option<string>("--data") { Description = $"Dataset name ({string.Join(", ", DatasetResolver.KnownNames)}) or folder", DefaultValueFactory = _ => "fashion-mnist" };
        var dataPath = new Option<string?>("--data-path") { Description = "Folder holding the dataset files (overrides the lookup)" };
        var epochs = new Option<int>("--epochs") { Description = $"Epochs (with --time-budget: the most it may plan, default {BudgetMaxEpochs})", DefaultValueFactory = _ => DefaultEpochs };
        var timeBudget = new Option<string?>("--time-budget") { Description = "Wall-clock budget (30m, 90s, 1h30m, 00:30:00): measure the first steps, then fix epochs and the schedule to end within it" };
        var batchSize = new Option<int>("--batch-size") { Description = "Batch size", DefaultValueFactory = _ => defaults.BatchSize };
        var optimizer = new Option<string>("--optimizer") { Description = "sgd, adam or adamw", DefaultValueFactory = _ => "sgd" };
        optimizer.AcceptOnlyFromAmong("sgd", "adam", "adamw");
        var lr = new Option<double>("--lr") { Description = "Peak learning rate", DefaultValueFactory = _ => defaults.LearningRate };
        var momentum = new Option<double>("--momentum") { Description = "SGD momentum", DefaultValueFactory = _ => defaults.Momentum };
        var nesterov = new Option<bool>("--nesterov") { Description = "Nesterov momentum (sgd)" };
        var weightDecay = new Option<double>("--weight-decay") { Description = "Weight decay", DefaultValueFactory = _ => defaults.WeightDecay };
        var schedule = EnumOption.Create("--schedule", "Learning-rate decay after warm-up (multi-step: at --milestones)", defaults.Schedule);
        var milestones = new Option<string?>("--milestones") { Description = "Epochs at which the multi-step schedule multiplies the rate by --gamma, comma separated (e.g. 82,123)" };
        var cropPadding = new Option<int>("--crop-padding") { Description = "Zero padding of the random crop in pixels (the CIFAR papers use 4)", DefaultValueFactory = _ => new TrainerOptions().RandomCropPadding };
        var stepSize = new Option<int>("--step-size") { Description = "Epochs between decays (step schedule)", DefaultValueFactory = _ => defaults.StepSize };
        var gamma = new Option<double>("--gamma") { Description = "Decay factor (step schedule)", DefaultValueFactory = _ => defaults.Gamma };
        var warmup = new Option<int>("--warmup") { Description = "Warm-up epochs", DefaultValueFactory = _ => 1 };
        var labelSmoothing = new Option<double>("--label-smoothing") { Description = "Label smoothing in [0, 1)" };
        var seed = new Option<int>("--seed") { Description = "Random seed (same seed, same run)", DefaultValueFactory = _ => defaults.Seed };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (0 = all cores)" };
        var output = new Option<string>("--out") { Description = "Output folder (last/, best/, train-log.jsonl)", DefaultValueFactory = _ => defaults.OutputDir };
        var resume = new Option<bool>("--resume") { Description = "Continue from <out>/last" };
        var limitTrain = DatasetLimitOptions.Train();
        var limitTest = DatasetLimitOptions.Test();
        var bnSparsity = TrainPassOptions.BatchNormSparsitySetting.Cli();
        var randomErasing = TrainPassOptions.RandomErasingSetting.Cli();
        var emaDecay = TrainPassOptions.EmaDecaySetting.Cli();
        var noAugment = new Option<bool>("--no-augment") { Description = "Disable random crop, flip and erasing" };
        var progressInterval = new Option<int>("--progress-interval") { Description = "Batches between progress reports", DefaultValueFactory = _ => defaults.ProgressInterval, Hidden = true };

        var command = new Command("train", "Train a classifier (default: MobileNet v1 alpha 0.5 on Fashion-MNIST) and save checkpoints.")
        {
            arch, alpha, inputSize, data, dataPath, epochs, timeBudget, batchSize, optimizer, lr, momentum, nesterov, weightDecay,
            schedule, milestones, stepSize, gamma, cropPadding, warmup, labelSmoothing, seed, threads, output, resume, limitTrain, limitTest, noAugment, randomErasing, emaDecay, bnSparsity, progressInterval,
        };
        command.SetAction(parse =>
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            TrainerOptions options;
            try
            {
                TimeSpan? budget = parse.GetValue(timeBudget) is { } text ? DurationText.Parse(text, "--time-budget") : null;
                int maxEpochs = budget is not null && parse.GetResult(epochs) is null or { Implicit: true } ? BudgetMaxEpochs : parse.GetValue(epochs);
                options = new TrainerOptions
                {
                    Epochs = maxEpochs,
                    TimeBudget = budget,
                    BatchSize = parse.GetValue(batchSize),
                    Optimizer = Enum.Parse<OptimizerKind>(parse.GetValue(optimizer)!, ignoreCase: true),
                    LearningRate = parse.GetValue(lr),
                    Momentum = parse.GetValue(momentum),
                    Nesterov = parse.GetValue(nesterov),
                    WeightDecay = parse.GetValue(weightDecay),
                    Schedule = parse.GetValue(schedule),
                    Milestones = ParseMilestones(parse.GetValue(milestones)),
                    StepSize = parse.GetValue(stepSize),
                    Gamma = parse.GetValue(gamma),
                    WarmupEpochs = Math.Min(parse.GetValue(warmup), Math.Max(0, maxEpochs - 1)),
                    LabelSmoothing = parse.GetValue(labelSmoothing),
                    Seed = parse.GetValue(seed),
                    Threads = parse.GetValue(threads),
                    OutputDir = parse.GetValue(output)!,
                    Resume = parse.GetValue(resume),
                    RandomCropPadding = parse.GetValue(noAugment) ? 0 : parse.GetValue(cropPadding),
                    HorizontalFlip = !parse.GetValue(noAugment),
                    RandomErasing = parse.GetValue(noAugment) ? 0 : parse.GetValue(randomErasing),
                    EmaDecay = parse.GetValue(emaDecay),
                    BatchNormSparsity = parse.GetValue(bnSparsity),
                    ProgressInterval = parse.GetValue(progressInterval),
                }.Validate();
            }
            catch (ArgumentException e)
            {
                System.Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
            return Run(options, started, parse.GetValue(arch)!, parse.GetValue(alpha), parse.GetValue(inputSize),
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
        bool isMobileNet = arch.StartsWith("mobilenet", StringComparison.OrdinalIgnoreCase);
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
            var (mean, std) = BatchLoader.ComputeStatistics(train);
            spec = new ModelSpec(arch, train.ClassNames.Count, train.Channels, inputSize,
                isMobileNet ? alpha : 1.0)
            {
                Mean = mean,
                Std = std,
                Labels = train.ClassNames,
                ResizePolicy = BatchLoader.ResizePolicyFor(train, inputSize),
            };
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
            var trainer = new Trainer(options, logger);
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
                        return trainer.Train(spec, train, test, progress, cancellation.Token);
                    });
            }
            else
            {
                var progress = new SyncProgress<TrainingProgress>(p => stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"epoch {p.Epoch}/{p.Epochs} batch {p.Batch}/{p.Batches} loss {p.Loss:F4} lr {p.LearningRate:G4} {p.ImagesPerSecond:F0} img/s ETA {p.Eta:hh\\:mm\\:ss}")));
                result = trainer.Train(spec, train, test, progress, cancellation.Token);
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
                $"Time budget {requested ?? TimeSpan.FromSeconds(result.Plan.BudgetSeconds.Value):hh\\:mm\\:ss}: planned {TimeSpan.FromSeconds(result.Plan.PlannedSeconds!.Value):hh\\:mm\\:ss} of training, took {TimeSpan.FromSeconds(result.WallSeconds):hh\\:mm\\:ss} ({result.Plan.Epochs} epochs of {result.Plan.StepsPerEpoch} steps); {started.Elapsed:hh\\:mm\\:ss} in all"));
        stdout.WriteLine($"Best checkpoint: {result.BestCheckpoint}");
        stdout.WriteLine($"Last checkpoint: {result.LastCheckpoint}");
        stdout.WriteLine($"Log: {Path.Combine(Path.GetFullPath(options.OutputDir), Trainer.LogFile)}");
        return 0;
    }

    private static int[] ParseMilestones(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var epochs = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out epochs[i]))
                throw new ArgumentException($"--milestones must be comma-separated epochs such as 82,123 but '{parts[i]}' is not a whole number.");
        return epochs;
    }

    /// <summary>An even spread of at most <paramref name="limit"/> images (0 = all): the pipeline's subset, so both routes see the same images.</summary>
    internal static ImageDataset Limit(ImageDataset data, int limit) => RecipeDatasetSource.Limit(data, limit);
}
