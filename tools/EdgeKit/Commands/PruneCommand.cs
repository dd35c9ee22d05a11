using System.CommandLine;
using System.Globalization;
using EdgeToolkit.Compression.Distillation;
using EdgeToolkit.Compression.Passes;
using EdgeToolkit.Compression.Pruning;
using EdgeToolkit.Compression.Pruning.Latency;
using EdgeToolkit.EdgeKit.Console;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Training.Data;
using EdgeToolkit.Training.Training;
using TorchSharp;

namespace EdgeToolkit.EdgeKit.Commands;

/// <summary>
/// <c>edgekit prune</c>: runs the pipeline's <see cref="PrunePass"/> (and <see cref="FineTunePass"/> when
/// fine-tuning epochs are asked for) on one MobileNet v1 checkpoint, the same code a recipe runs.
/// </summary>
public static class PruneCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "MobileNet v1 checkpoint folder (model.bin + spec.json)", Required = true };
        var alpha = new Option<double>("--alpha") { Description = "Target width multiplier, below the checkpoint's (e.g. 0.75, 0.5, 0.25)", Required = true };
        var output = new Option<string>("--out") { Description = "Output folder: prune/ (checkpoint + prune.json) and, when fine-tuned, finetune/checkpoint", Required = true };
        var importance = new Option<string>("--importance") { Description = "Channel ranking: l1 (filter L1 norm), bn (BatchNorm |gamma|) or taylor (|activation x gradient|)", DefaultValueFactory = _ => "l1" };
        importance.AcceptOnlyFromAmong([.. PrunePassOptions.ImportanceNames]);
        var noRecalibrate = new Option<bool>("--no-recalibrate") { Description = "Keep the source's BatchNorm statistics after the cut (for comparison; accuracy usually collapses)" };
        var recalibrationImages = PrunePassOptions.RecalibrationImagesOption.Cli();
        var taylorBatches = PrunePassOptions.TaylorBatchesOption.Cli();
        var steps = PrunePassOptions.StepsOption.Cli();
        var schedule = new Option<string?>("--schedule") { Description = "Gradual pruning: explicit intermediate widths, e.g. 0.875,0.75,0.625 (the target is the last step)" };
        var scheduleUnit = PrunePassOptions.ScheduleUnitOption.Cli();
        var stepEpochs = PrunePassOptions.StepEpochsOption.Cli();
        var stepBatches = PrunePassOptions.StepBatchesOption.Cli();
        var stepLearningRate = PrunePassOptions.StepLearningRateOption.Cli();
        var stepDistillationWeight = PrunePassOptions.StepDistillationWeightOption.Cli();
        var plan = PrunePassOptions.PlanOption.Cli();
        var targetMacs = PrunePassOptions.TargetMacsOption.Cli();
        var targetLatency = PrunePassOptions.TargetLatencyOption.Cli();
        var targetLatencyOfAlpha = PrunePassOptions.TargetLatencyOfAlphaOption.Cli();
        var latencyCache = new Option<string?>("--latency-cache") { Description = $"Folder of the cached per-layer latency tables, one file per machine fingerprint (default {LatencyTable.DefaultCacheFolder})" };
        var latencyThreads = PrunePassOptions.LatencyThreadsOption.Cli();
        var latencyPrecision = PrunePassOptions.LatencyPrecisionOption.Cli();
        var latencyTarget = PrunePassOptions.LatencyTargetOption.Cli();
        var minChannels = PrunePassOptions.MinChannelsOption.Cli();
        var channelStep = PrunePassOptions.ChannelStepOption.Cli();
        var uniformCheck = PrunePassOptions.UniformCheckOption.Cli();
        var latencyDevice = new SshLatencyOptions("latency-");
        var sensitivity = PrunePassOptions.SensitivityOption.Cli();
        var sensitivityImages = PrunePassOptions.SensitivityImagesOption.Cli();
        var sensitivityBatches = PrunePassOptions.SensitivityBatchesOption.Cli();
        var epochs = new Option<int>("--finetune-epochs") { Description = "Fine-tuning epochs after pruning (0 = none)" };
        var distil = FineTunePassOptions.DistillationWeightOption.Cli();
        var temperature = FineTunePassOptions.TemperatureOption.Cli();
        var lr = FineTunePassOptions.LearningRateOption.Cli();
        var batchSize = FineTunePassOptions.BatchSizeOption.Cli();
        var maxBatches = FineTunePassOptions.MaxBatchesPerEpochOption.Cli();
        var data = DatasetNameOptions.Name("Dataset for recalibration, fine-tuning and evaluation");
        var dataPath = DatasetNameOptions.Path();
        var limitTrain = DatasetLimitOptions.Train();
        var limitTest = DatasetLimitOptions.Test();
        var seed = new Option<int>("--seed") { Description = "Seed of the recalibration sample and the fine-tuning", DefaultValueFactory = _ => 42 };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (0 = all cores)" };
        var command = new Command("prune", "Width-prune a MobileNet v1 checkpoint (alpha 1.0 -> 0.75/0.5/0.25) with BatchNorm recalibration, optionally fine-tune with distillation.")
        {
            checkpoint, alpha, output, importance, noRecalibrate, recalibrationImages, taylorBatches, steps, schedule, scheduleUnit, stepEpochs, stepBatches,
            stepLearningRate, stepDistillationWeight, plan, targetMacs, targetLatency, targetLatencyOfAlpha, minChannels, channelStep, uniformCheck, latencyCache, latencyThreads, latencyPrecision, latencyTarget, sensitivity, sensitivityImages, sensitivityBatches, epochs, distil, temperature, lr, batchSize, maxBatches, data, dataPath, limitTrain, limitTest, seed, threads,
        };
        foreach (var option in latencyDevice.All) command.Options.Add(option);
        command.SetAction(parse =>
        {
            try
            {
                if (parse.GetValue(threads) > 0) torch.set_num_threads(parse.GetValue(threads));
                var device = latencyDevice.Settings(parse, parse.GetValue(latencyThreads), runs: 60, warmup: 5);
                bool latencyBudget = parse.GetValue(targetLatency) > 0 || parse.GetValue(targetLatencyOfAlpha) > 0;
                if (device is not null && !latencyBudget)
                    throw new ArgumentException($"--latency-host needs a latency budget ({PrunePassOptions.TargetLatencyOption.CliName} MS or {PrunePassOptions.TargetLatencyOfAlphaOption.CliName} A): only the latency search measures on the device.");
                string source = Path.GetFullPath(parse.GetValue(checkpoint)!);
                var (spec, metrics) = Checkpoint.ReadSpec(source);
                if (!PrunePass.IsMobileNet(spec.Architecture))
                    throw new ArgumentException($"{source}: --checkpoint must hold a mobilenet_v1, not {spec.Architecture}.");
                double target = parse.GetValue(alpha);
                int stepEpochCount = parse.GetValue(stepEpochs);
                var prune = new PrunePass(new PrunePassOptions
                {
                    Cut = new WidthCutOptions
                    {
                        Importance = PrunePassOptions.ParseImportance(parse.GetValue(importance)!),
                        Recalibrate = !parse.GetValue(noRecalibrate),
                        RecalibrationImages = parse.GetValue(recalibrationImages),
                        TaylorBatches = parse.GetValue(taylorBatches),
                    }.Validate(),
                    Schedule = Schedule(parse.GetValue(steps), parse.GetValue(schedule), parse.GetValue(scheduleUnit)),
                    StepFineTune = stepEpochCount == 0 ? null : new FineTuneOptions
                    {
                        Epochs = stepEpochCount, MaxBatchesPerEpoch = parse.GetValue(stepBatches),
                        LearningRate = parse.GetValue(stepLearningRate), DistillationWeight = parse.GetValue(stepDistillationWeight),
                    }.Validate(),
                    // A latency budget chooses per-layer widths: it implies --plan sensitivity unless another plan is asked for.
                    Plan = latencyBudget && parse.GetResult(plan) is null or { Implicit: true }
                        ? WidthPlanChoice.Sensitivity : parse.GetValue(plan),
                    TargetLatencyMs = parse.GetValue(targetLatency),
                    TargetLatencyOfAlpha = parse.GetValue(targetLatencyOfAlpha),
                    LatencyCache = parse.GetValue(latencyCache),
                    LatencyThreads = parse.GetValue(latencyThreads),
                    LatencyPrecision = parse.GetValue(latencyPrecision),
                    LatencyTarget = parse.GetValue(latencyTarget),
                    LatencyRunner = device is null ? null : new SshLatencyRunner(device, System.Console.Out, latencyDevice.Prefix),
                    TargetMacs = (long)parse.GetValue(targetMacs),
                    MinChannels = parse.GetValue(minChannels),
                    ChannelStep = parse.GetValue(channelStep),
                    UniformCheck = parse.GetValue(uniformCheck),
                    Sensitivity = parse.GetValue(sensitivity),
                    SensitivityImages = parse.GetValue(sensitivityImages),
                    SensitivityBatches = parse.GetValue(sensitivityBatches),
                }.Validate());
                var input = new Artefact(ArtefactKind.Checkpoint, source, spec.Architecture, spec.Alpha, Precision.Fp32) { CheckpointFolder = source };
                if (!prune.AppliesTo(input, new ModelVariant(spec.Architecture, target, Precision.Fp32)))
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--alpha {target} must be below the checkpoint's alpha {spec.Alpha}."));
                var dataset = new RecipeDatasetSource(new RecipeDataset(parse.GetValue(data)!, parse.GetValue(dataPath), parse.GetValue(limitTrain), parse.GetValue(limitTest)));
                string outDir = Path.GetFullPath(parse.GetValue(output)!);
                using var cancellation = new CliCancellation();
                var context = new PassContext(dataset, new ModelVariant(spec.Architecture, target, Precision.Fp32),
                    new SyncProgress<string>(System.Console.WriteLine), cancellation.Token) { Seed = parse.GetValue(seed) };
                if (metrics?.TestAccuracy is double sourceAccuracy)
                    System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"source: alpha {spec.Alpha}, test accuracy {sourceAccuracy:P2} (as trained)"));
                var result = prune.Run(input, Path.Combine(outDir, PrunePass.PassName), context);

                int fineTuneEpochs = parse.GetValue(epochs);
                if (fineTuneEpochs > 0)
                {
                    var fineTune = new FineTunePass(new FineTunePassOptions(new FineTuneOptions
                    {
                        Epochs = fineTuneEpochs,
                        BatchSize = parse.GetValue(batchSize),
                        MaxBatchesPerEpoch = parse.GetValue(maxBatches),
                        LearningRate = parse.GetValue(lr),
                        DistillationWeight = parse.GetValue(distil),
                        Temperature = parse.GetValue(temperature),
                    }.Validate()));
                    result = fineTune.Run(result, Path.Combine(outDir, FineTunePass.PassName), context);
                }
                System.Console.WriteLine($"checkpoint: {result.Folder}");
                return 0;
            }
            catch (OperationCanceledException e)
            {
                System.Console.Error.WriteLine(e.Message);
                return 130;
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or DatasetException or InvalidOperationException)
            {
                System.Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>The schedule of <c>--steps</c> / <c>--schedule</c>; errors name the option.</summary>
    /// <exception cref="ArgumentException">A bad schedule.</exception>
    public static PruningSchedule Schedule(int steps, string? widths, ScheduleUnit unit)
    {
        List<double>? list = null;
        if (widths is not null)
        {
            list = [];
            foreach (var (part, i) in widths.Split(',', StringSplitOptions.TrimEntries).Select((p, i) => (p, i)))
            {
                if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double w))
                    throw new ArgumentException($"--schedule: entry {i} '{part}' is not a number.");
                list.Add(w);
            }
        }
        try
        {
            return new PruningSchedule(steps, list, unit).Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"--{(e.ParamName == nameof(PruningSchedule.Steps) ? "steps" : "schedule")}: {e.Message}", e);
        }
    }
}
