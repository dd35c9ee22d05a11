using System.Diagnostics;
using System.Text.Json;
using EdgeToolkit.Training.Data;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Native;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeToolkit.Training.Training;

/// <summary>
/// Trains a classifier: the loop every route shares (training from scratch and distilled
/// fine-tuning alike; the loss comes from an <see cref="ITrainingObjective"/>, cross-entropy by
/// default), mini-batch SGD/Adam/AdamW with a warm-up + cosine/step schedule, evaluation
/// on the test set after every epoch (or every Nth and the last, <see cref="TrainerOptions.EvaluateEvery"/>), atomic <c>last</c> (resumable) and <c>best</c> checkpoints,
/// and a JSON-lines log (<c>train-log.jsonl</c>) in <see cref="TrainerOptions.OutputDir"/>.
/// Cancellation finishes the current step, saves a resumable <c>last</c> and returns.
/// </summary>
public sealed class Trainer
{
    /// <summary>Name of the per-epoch log file in the output folder.</summary>
    public const string LogFile = "train-log.jsonl";

    /// <summary>Name of the resumable checkpoint folder.</summary>
    public const string LastName = "last";

    /// <summary>Name of the best-accuracy checkpoint folder.</summary>
    public const string BestName = "best";

    private readonly ILogger _logger;

    /// <summary>Creates a trainer minimising cross-entropy (with <see cref="TrainerOptions.LabelSmoothing"/>); validates <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public Trainer(TrainerOptions options, ILogger? logger = null)
        : this(options, null, logger)
    {
    }

    /// <summary>
    /// Creates a trainer minimising <paramref name="objective"/> (null = cross-entropy with
    /// <see cref="TrainerOptions.LabelSmoothing"/>); validates <paramref name="options"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public Trainer(TrainerOptions options, ITrainingObjective? objective, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Validate();
        Objective = objective ?? new CrossEntropyObjective(Options.LabelSmoothing);
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The options in force.</summary>
    public TrainerOptions Options { get; }

    /// <summary>The loss the trainer minimises.</summary>
    public ITrainingObjective Objective { get; }

    /// <summary>
    /// Shuffled, augmented loader options that preprocess <paramref name="train"/> for <paramref name="spec"/>
    /// (shared with the fine-tuner so both train on identical batches).
    /// </summary>
    public static BatchLoaderOptions TrainLoaderOptions(ModelSpec spec, ImageDataset train, TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        int batchSize = options.BatchSize;
        return new BatchLoaderOptions
        {
            BatchSize = batchSize,
            Shuffle = true,
            Seed = options.Seed,
            RandomCropPadding = options.RandomCropPadding,
            HorizontalFlip = options.HorizontalFlip,
            RandomErasing = options.RandomErasing,
            Mean = spec.Mean.ToArray(),
            Std = spec.Std.ToArray(),
            TargetSize = spec.InputSize,
            TargetChannels = spec.InputChannels,
            // A batch of 1 breaks BatchNorm in train mode; drop a ragged tail only in that case.
            DropLast = train.Count % batchSize == 1 && train.Count > 1,
        };
    }

    /// <summary>
    /// Seeds libtorch with <see cref="TrainerOptions.Seed"/>, builds the model <paramref name="spec"/>
    /// describes with <see cref="ModelFactory"/>, trains it and disposes it.
    /// </summary>
    public TrainingResult Train(ModelSpec spec, ImageDataset train, ImageDataset test,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        torch.manual_seed(Options.Seed);
        using var model = ModelFactory.Create(spec);
        return Train(model, spec, train, test, progress, cancellationToken);
    }

    /// <summary>
    /// Trains <paramref name="model"/> (built for <paramref name="spec"/>, which is saved with every
    /// checkpoint) on <paramref name="train"/>, evaluating on <paramref name="test"/> after each epoch (<see cref="TrainerOptions.EvaluateEvery"/>).
    /// With <see cref="TrainerOptions.Resume"/> the model, optimiser, schedule and epoch are restored
    /// from <c>OutputDir/last</c> first (when it exists).
    /// </summary>
    /// <exception cref="ArgumentException">The data does not fit the spec.</exception>
    /// <exception cref="InvalidDataException">The checkpoint to resume from is corrupt or belongs to another model.</exception>
    public TrainingResult Train(Module<Tensor, Tensor> model, ModelSpec spec, ImageDataset train, ImageDataset test,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        if (train.ClassNames.Count > spec.NumClasses)
            throw new ArgumentException($"{train.Source}: {train.ClassNames.Count} classes but ModelSpec.NumClasses is {spec.NumClasses}.", nameof(train));
        if (train.Count == 0)
            throw new ArgumentException($"{train.Source}: the training set is empty.", nameof(train));

        var o = Options;
        if (o.Threads > 0) torch.set_num_threads(o.Threads);
        using var heap = o.RetainNativeHeap ? new NativeHeapRetention() : null;
        string outDir = Path.GetFullPath(o.OutputDir);
        Directory.CreateDirectory(outDir);
        string lastPath = Path.Combine(outDir, LastName);
        string bestPath = Path.Combine(outDir, BestName);
        string logPath = Path.Combine(outDir, LogFile);
        var runClock = Stopwatch.StartNew();

        using var trainLoader = new BatchLoader(train, TrainLoaderOptions(spec, train, o));
        using var testLoader = new BatchLoader(test, ClassifierEvaluator.LoaderOptions(spec, EvaluationBatchSize(o)));
        int loaderBatches = o.MaxBatchesPerEpoch > 0 ? Math.Min(o.MaxBatchesPerEpoch, trainLoader.BatchesPerEpoch) : trainLoader.BatchesPerEpoch;
        using var optimizer = TrainingStep.CreateOptimizer(model, o);
        var labels = spec.Labels.Count == spec.NumClasses ? spec.Labels : train.ClassNames;
        var savedSpec = spec with { Labels = labels };

        // Network slimming: the L1 penalty on this model's BatchNorm scales is added to the objective.
        var objective = o.BatchNormSparsity > 0 ? new BatchNormSparsityObjective(Objective, model, o.BatchNormSparsity) : Objective;
        var state = new TrainingState(0, 0, 0, 0, o.Seed, o.Optimizer, []) { Objective = objective.Description };
        if (o.Resume && TryRecover(lastPath))
            state = RestoreFrom(lastPath, model, spec, optimizer, objective);
        else if (File.Exists(logPath))
            File.Delete(logPath);
        var history = state.History.ToList();
        using var average = o.EmaDecay > 0 ? new WeightAverage(model, o.EmaDecay) : null;
        if (average is not null && state.GlobalStep > 0 && _logger.IsEnabled(LogLevel.Information))
            _logger.LogInformation("The moving average of the weights restarts from the restored weights");
        double elapsedBefore = state.ElapsedSeconds;
        double Elapsed() => elapsedBefore + runClock.Elapsed.TotalSeconds;

        // Without a budget the plan follows the options; with one it is made after the first steps
        // (until then the schedule is that of the options' upper bound, whose start is the same).
        // Which epochs are evaluated is the options' choice, also in a resumed plan: it changes no step of the schedule.
        var plan = state.Plan is { } stored ? stored with { EvaluateEvery = o.EvaluateEvery }
            : o.TimeBudget is null ? TrainingPlan.Fixed(o.Epochs, loaderBatches, o.WarmupEpochs, o.EvaluateEvery) : null;
        var schedule = new LearningRateSchedule(o, plan ?? TrainingPlan.Fixed(o.Epochs, loaderBatches, o.WarmupEpochs));
        state = state with { Plan = plan };
        var probe = plan is null ? new ThroughputProbe(o.TimeBudget!.Value) : null;

        if (_logger.IsEnabled(LogLevel.Information))
            _logger.LogInformation("Training {Architecture} on {Images} images ({Source}) for {Epochs}, {Batches} batches of {BatchSize}, {Objective}; output {Output}",
            spec.Architecture, train.Count, train.Source,
            plan is null ? $"a time budget of {o.TimeBudget:hh\\:mm\\:ss} (at most {o.Epochs} epochs)" : $"{plan.Epochs} epochs",
            plan?.StepsPerEpoch ?? loaderBatches, o.BatchSize, objective.Description, outDir);
        if (plan?.BudgetSeconds is not null && _logger.IsEnabled(LogLevel.Information))
            _logger.LogInformation("Resumed plan kept: {Shape}, planned {Planned:F0} s of the {Budget:F0} s budget",
            plan.Shape, plan.PlannedSeconds, plan.BudgetSeconds);

        model.train();
        long stepsThisRun = 0;
        using var lossSum = torch.zeros(1, dtype: ScalarType.Float64);
        using var correct = torch.zeros(1, dtype: ScalarType.Int64);
        double lr = schedule.At(state.GlobalStep);
        double epochOverhead = 0; // measured evaluation + checkpoints of the last epoch
        var recentRate = new RecentStepRate(); // windows carry over epoch ends: each starts after the evaluation
        for (int epoch = state.CompletedEpochs; epoch < (plan?.Epochs ?? o.Epochs); epoch++)
        {
            double windowStart = Elapsed();
            int windowSteps = 0;
            int skip = state.PartialBatches;
            HeldScalars.Fill(lossSum, state.PartialLossSum);
            HeldScalars.Fill(correct, state.PartialCorrect);
            long seen = state.PartialImages;
            double priorSeconds = state.PartialSeconds;
            torch.manual_seed(o.Seed * 1_000_003L + epoch);
            model.train();
            var clock = Stopwatch.StartNew();
            int batch = skip;
            int batches = plan?.StepsIn(epoch) ?? loaderBatches;
            bool interrupted = false;
            foreach (var (x, y) in trainLoader.Batches(epoch, skip))
            {
                using var images = x;
                using var targets = y;
                if (batch >= batches) break; // a plan or MaxBatchesPerEpoch shorter than the data: stopping ends the prefetch cleanly
                if (cancellationToken.IsCancellationRequested)
                {
                    interrupted = true;
                    break;
                }
                lr = schedule.At(state.GlobalStep);
                SetLearningRate(optimizer, lr);
                if (!TrainingStep.Run(model, optimizer, objective, images, targets, lossSum, correct, out double batchLoss))
                    throw new TrainingDivergedException(epoch + 1, batch + 1, state.GlobalStep, batchLoss, lr);
                average?.Update(state.GlobalStep);
                seen += targets.shape[0];
                batch++;
                stepsThisRun++;
                state = state with { GlobalStep = state.GlobalStep + 1 };
                if (probe is not null && probe.Step(batch == batches))
                {
                    // Time budget: the steps so far are measured; size the run now.
                    plan = MakePlan(probe, model, spec, labels, test, testLoader.Options.BatchSize, lastPath, optimizer,
                        state with
                        {
                            History = history.ToArray(),
                            PartialBatches = batch,
                            PartialLossSum = lossSum.item<double>(),
                            PartialCorrect = correct.item<long>(),
                            PartialImages = seen,
                            PartialSeconds = priorSeconds + clock.Elapsed.TotalSeconds,
                        }, Elapsed, loaderBatches);
                    // The probe's steps are the first window: one slow window just after the plan cannot swing it.
                    recentRate.Add(probe.SecondsPerStep * probe.TimedSteps, probe.TimedSteps);
                    probe = null;
                    state = state with { Plan = plan };
                    schedule = new LearningRateSchedule(o, plan);
                    batches = plan.StepsIn(epoch);
                    model.train();
                    windowStart = Elapsed();
                    windowSteps = 0;
                }
                else if (plan?.BudgetSeconds is not null && ++windowSteps >= Math.Max(5, plan.StepsPerEpoch / 20))
                {
                    // Every 5 % of an epoch (at the recent rate, RecentStepRate): if the machine got slower than when the plan was made, shorten
                    // the run so it still ends within the budget, with the schedule laid over the new total;
                    // if it got faster after a shortening, lengthen it back; if it got clearly (10 %) faster than the plan's rate,
                    // lengthen it past the plan, up to the most epochs allowed (TrainingPlan.Replan).
                    double now = Elapsed();
                    recentRate.Add(now - windowStart, windowSteps);
                    windowStart = now;
                    windowSteps = 0;
                    var replanned = plan.Replan(state.GlobalStep, now, recentRate.For(plan.TotalSteps - state.GlobalStep)!.Value, epochOverhead);
                    if (!ReferenceEquals(replanned, plan))
                    {
                        if (replanned.TotalSteps < plan.TotalSteps && _logger.IsEnabled(LogLevel.Warning))
                            _logger.LogWarning("Behind the time budget at step {Step} ({Elapsed:F0} s): shortened from {OldSteps} to {NewSteps} steps ({Epochs} epochs, the last of {LastSteps})",
                            state.GlobalStep, now, plan.TotalSteps, replanned.TotalSteps, replanned.Epochs, replanned.StepsIn(replanned.Epochs - 1));
                        else if (replanned.TotalSteps > plan.TotalSteps && _logger.IsEnabled(LogLevel.Information))
                            _logger.LogInformation("Ahead of the time budget at step {Step} ({Elapsed:F0} s): lengthened from {OldSteps} to {NewSteps} steps ({Epochs} epochs, the last of {LastSteps})",
                            state.GlobalStep, now, plan.TotalSteps, replanned.TotalSteps, replanned.Epochs, replanned.StepsIn(replanned.Epochs - 1));
                        plan = replanned;
                        state = state with { Plan = plan };
                        schedule = new LearningRateSchedule(o, plan);
                        batches = plan.StepsIn(epoch);
                    }
                }
                if (progress is not null && (batch % o.ProgressInterval == 0 || batch == batches))
                {
                    double seconds = priorSeconds + clock.Elapsed.TotalSeconds;
                    double perStep = runClock.Elapsed.TotalSeconds / stepsThisRun;
                    int epochs = plan?.Epochs ?? o.Epochs;
                    long remaining = plan is null ? (long)(epochs - epoch - 1) * batches + (batches - batch) : plan.TotalSteps - state.GlobalStep;
                    // While the budget's probe runs there is no plan yet and Epochs is only the upper bound (1000 by
                    // default): the run will be sized to end with the budget, so that is the estimate.
                    double eta = probe is not null ? Math.Max(0, o.TimeBudget!.Value.TotalSeconds - Elapsed()) : perStep * remaining;
                    progress.Report(new TrainingProgress(epoch + 1, epochs, batch, batches,
                        lossSum.item<double>() / seen, seen / Math.Max(seconds, 1e-9), TimeSpan.FromSeconds(eta), lr));
                }
            }
            clock.Stop();
            double trainSeconds = priorSeconds + clock.Elapsed.TotalSeconds;

            if (interrupted)
            {
                state = state with
                {
                    History = history.ToArray(),
                    PartialBatches = batch,
                    PartialLossSum = lossSum.item<double>(),
                    PartialCorrect = correct.item<long>(),
                    PartialImages = seen,
                    PartialSeconds = trainSeconds,
                    ElapsedSeconds = Elapsed(),
                };
                Checkpoint.Save(lastPath, model, savedSpec, history.LastOrDefault(), state, optimizer);
                if (_logger.IsEnabled(LogLevel.Warning))
                    _logger.LogWarning("Interrupted in epoch {Epoch} after batch {Batch}/{Batches}; resumable checkpoint saved to {Path}",
                    epoch + 1, batch, batches, lastPath);
                return new TrainingResult(history, state.BestAccuracy, state.BestEpoch, lastPath,
                    Directory.Exists(bestPath) ? bestPath : null, Interrupted: true)
                { Plan = plan, WallSeconds = state.ElapsedSeconds };
            }

            double evaluationStart = Elapsed();
            // The plan is made by the end of the first epoch (the probe ends with it at the latest).
            bool evaluated = plan?.Evaluates(epoch) ?? true;
            double? testAccuracy = null, emaAccuracy = null;
            if (evaluated)
            {
                testAccuracy = ClassifierEvaluator.Evaluate(model, testLoader, spec.NumClasses, labels, CancellationToken.None).Top1;
                if (average is not null)
                {
                    using (average.Apply())
                        emaAccuracy = ClassifierEvaluator.Evaluate(model, testLoader, spec.NumClasses, labels, CancellationToken.None).Top1;
                }
                model.train();
            }
            var metrics = new EpochMetrics(epoch + 1,
                seen == 0 ? 0 : lossSum.item<double>() / seen,
                seen == 0 ? 0 : (double)correct.item<long>() / seen,
                testAccuracy, lr, trainSeconds, seen / Math.Max(trainSeconds, 1e-9))
            {
                WallSeconds = Elapsed(),
                PlannedWallSeconds = plan?.PlannedSecondsAfterEvaluation(epoch + 1),
                EmaTestAccuracy = emaAccuracy,
            };
            history.Add(metrics);
            bool emaBetter = emaAccuracy > testAccuracy;
            double? epochAccuracy = emaBetter ? emaAccuracy : testAccuracy;
            bool improved = epochAccuracy is double accuracy && (state.BestEpoch == 0 || accuracy > state.BestAccuracy);
            state = state with
            {
                CompletedEpochs = epoch + 1,
                BestAccuracy = improved ? epochAccuracy!.Value : state.BestAccuracy,
                BestEpoch = improved ? epoch + 1 : state.BestEpoch,
                History = history.ToArray(),
                PartialBatches = 0,
                PartialLossSum = 0,
                PartialCorrect = 0,
                PartialImages = 0,
                PartialSeconds = 0,
            };
            if (improved && emaBetter)
            {
                using (average!.Apply())
                    Checkpoint.Save(bestPath, model, savedSpec, metrics with { EmaWeights = true });
            }
            else if (improved)
            {
                Checkpoint.Save(bestPath, model, savedSpec, metrics);
            }
            state = state with { Plan = plan, ElapsedSeconds = Elapsed() };
            Checkpoint.Save(lastPath, model, savedSpec, metrics, state, optimizer);
            File.AppendAllText(logPath, JsonSerializer.Serialize(metrics) + "\n");
            // Re-planning counts this for each evaluated epoch left (one checkpoint for the others, as planned).
            if (evaluated) epochOverhead = Elapsed() - evaluationStart;
            if (_logger.IsEnabled(LogLevel.Information))
                _logger.LogInformation(
                "Epoch {Epoch}/{Epochs}: loss {Loss:F4}, train acc {TrainAccuracy:P2}, test acc {TestAccuracy}{Average}, lr {LearningRate:G4}, {Seconds:F1} s, {ImagesPerSecond:F0} images/s",
                metrics.Epoch, plan?.Epochs ?? o.Epochs, metrics.Loss, metrics.TrainAccuracy,
                testAccuracy is double t ? t.ToString("P2", System.Globalization.CultureInfo.InvariantCulture) : "not evaluated",
                emaAccuracy is double e ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $" (weight average {e:P2})") : "",
                metrics.LearningRate, metrics.Seconds, metrics.ImagesPerSecond);
        }

        double wall = Elapsed();
        if (plan?.BudgetSeconds is double budget && _logger.IsEnabled(LogLevel.Information))
            _logger.LogInformation("Time budget {Budget:F0} s: planned {Planned:F0} s at the start, took {Actual:F0} s ({Shape}{Replans})",
            budget, plan.PlannedSecondsAtStart, wall, plan.Shape, plan.Replans > 0 ? $", re-planned {plan.Replans} time(s) as the machine's speed changed" : "");
        return new TrainingResult(history, state.BestAccuracy, state.BestEpoch, lastPath,
            Directory.Exists(bestPath) ? bestPath : null, Interrupted: false)
        { Plan = plan, WallSeconds = wall };
    }

    private static int EvaluationBatchSize(TrainerOptions o) => Math.Max(o.BatchSize, 256);

    /// <summary>
    /// Measures what the plan needs besides the probe's steps (a warm evaluation on a slice of the test
    /// set, scaled; one save of the resumable checkpoint, which also records where the run stands)
    /// and sizes the run to the budget.
    /// </summary>
    private TrainingPlan MakePlan(ThroughputProbe probe, Module<Tensor, Tensor> model, ModelSpec spec, IReadOnlyList<string> labels,
        ImageDataset test, int evaluationBatch, string lastPath, OptimizerHelper optimizer, TrainingState state, Func<double> elapsed, int loaderBatches)
    {
        var o = Options;
        int sample = Math.Min(test.Count, 2 * evaluationBatch);
        var slice = test.Subset(Enumerable.Range(0, sample).Select(i => (int)((long)i * test.Count / sample)).ToArray());
        void EvaluateSlice()
        {
            using var sampleLoader = new BatchLoader(slice, ClassifierEvaluator.LoaderOptions(spec, evaluationBatch));
            ClassifierEvaluator.Evaluate(model, sampleLoader, spec.NumClasses, labels, CancellationToken.None);
        }
        // The run's first evaluation pays once for what every later one reuses (eval-mode kernels and buffers at this
        // batch size): timing it, scaled to the test set, reserved 33.5 s per epoch for a MobileNet v1 whose epochs then
        // spent 5.5 s evaluating and saving, and left 4.9 of a 30-minute budget unused. The plan times a second pass.
        EvaluateSlice();
        var clock = Stopwatch.StartNew();
        EvaluateSlice();
        // With a moving average of the weights every epoch evaluates twice.
        double evaluationSeconds = clock.Elapsed.TotalSeconds * test.Count / sample * (o.EmaDecay > 0 ? 2 : 1);
        clock.Restart();
        Checkpoint.Save(lastPath, model, spec with { Labels = labels }, state.History.Count > 0 ? state.History[^1] : null, state with { ElapsedSeconds = elapsed() }, optimizer);
        double checkpointSeconds = clock.Elapsed.TotalSeconds;
        var plan = TrainingPlan.ForBudget(o.TimeBudget!.Value.TotalSeconds, elapsed(), state.GlobalStep, probe.SecondsPerStep,
            evaluationSeconds, checkpointSeconds, loaderBatches, o.Epochs, o.WarmupEpochs, o.EvaluateEvery);
        if (_logger.IsEnabled(LogLevel.Information))
            _logger.LogInformation(
            "Time budget {Budget:F0} s: {PerStep:F3} s/step over {Probed} steps, evaluation about {Evaluation:F1} s, checkpoint {Checkpoint:F2} s -> {Shape} ({Warmup} warm-up), planned {Planned:F0} s",
            plan.BudgetSeconds, plan.SecondsPerStep, probe.TimedSteps, evaluationSeconds, checkpointSeconds, plan.Shape, plan.WarmupSteps, plan.PlannedSeconds);
        return plan;
    }

    private static bool TryRecover(string lastPath)
    {
        Checkpoint.Recover(lastPath);
        return Directory.Exists(lastPath);
    }

    private TrainingState RestoreFrom(string lastPath, Module<Tensor, Tensor> model, ModelSpec spec, OptimizerHelper optimizer, ITrainingObjective objective)
    {
        var (savedSpec, _) = Checkpoint.ReadSpec(lastPath);
        string specFile = Path.Combine(lastPath, Checkpoint.SpecFile);
        if (!string.Equals(savedSpec.Architecture, spec.Architecture, StringComparison.OrdinalIgnoreCase)
            || savedSpec.NumClasses != spec.NumClasses || savedSpec.InputChannels != spec.InputChannels
            || savedSpec.InputSize != spec.InputSize || savedSpec.Alpha != spec.Alpha)
            throw new InvalidDataException(
                $"{specFile}: cannot resume: the checkpoint is {Describe(savedSpec)} but this run trains {Describe(spec)}.");
        var state = Checkpoint.ReadState(lastPath)
            ?? throw new FileNotFoundException($"Checkpoint file '{Path.Combine(lastPath, Checkpoint.StateFile)}' is missing: '{lastPath}' is not resumable.");
        if (state.Optimizer != Options.Optimizer)
            throw new InvalidDataException(
                $"{Path.Combine(lastPath, Checkpoint.StateFile)}: cannot resume: the run used optimizer {state.Optimizer} but TrainerOptions.Optimizer is {Options.Optimizer}.");
        if (state.Objective is not null && state.Objective != objective.Description)
            throw new InvalidDataException(
                $"{Path.Combine(lastPath, Checkpoint.StateFile)}: cannot resume: the run minimised {state.Objective} but this run minimises {objective.Description}.");
        string modelFile = Path.Combine(lastPath, Checkpoint.ModelFile);
        string optimizerFile = Path.Combine(lastPath, Checkpoint.OptimizerFile);
        if (!File.Exists(modelFile)) throw new FileNotFoundException($"Checkpoint file '{modelFile}' is missing.", modelFile);
        if (!File.Exists(optimizerFile)) throw new FileNotFoundException($"Checkpoint file '{optimizerFile}' is missing.", optimizerFile);
        try
        {
            model.load(modelFile);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or FormatException)
        {
            throw new InvalidDataException($"{modelFile}: cannot load the weights: {e.Message}", e);
        }
        try
        {
            optimizer.load_state_dict(optimizerFile);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or FormatException)
        {
            throw new InvalidDataException($"{optimizerFile}: cannot load the optimizer state: {e.Message}", e);
        }
        // The log is rewritten from the state so an epoch lost to SIGKILL is not listed twice.
        string logPath = Path.Combine(Path.GetDirectoryName(lastPath)!, LogFile);
        string tempLog = logPath + ".tmp";
        File.WriteAllLines(tempLog, state.History.Select(m => JsonSerializer.Serialize(m)));
        File.Move(tempLog, logPath, overwrite: true);
        if (_logger.IsEnabled(LogLevel.Information))
            _logger.LogInformation("Resuming from {Path}: {Completed} epochs done, step {Step}{Partial}",
            lastPath, state.CompletedEpochs, state.GlobalStep,
            state.PartialBatches > 0 ? $", {state.PartialBatches} batches into epoch {state.CompletedEpochs + 1}" : "");
        return state with { Objective = objective.Description };
    }

    private static string Describe(ModelSpec s) =>
        $"{s.Architecture} (alpha {s.Alpha}, {s.InputChannels}x{s.InputSize}x{s.InputSize}, {s.NumClasses} classes)";

    private static void SetLearningRate(OptimizerHelper optimizer, double lr)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
    }
}
