using System.Text.Json;
using EdgeToolkit.Training.Training;
using TorchSharp;
using static EdgeToolkit.Training.Tests.Trainer.TrainerTestData;

namespace EdgeToolkit.Training.Tests.Trainer;

[Collection(TorchGlobalStateCollection.Name)]
public sealed class TrainerTests
{
    private static TrainerOptions Options(string outDir, int epochs = 4) => new()
    {
        Epochs = epochs,
        BatchSize = 32,
        LearningRate = 0.05,
        WarmupEpochs = 0,
        Seed = 7,
        Threads = 1, // the machine is shared; one thread avoids OpenMP oversubscription
        OutputDir = outDir,
        RandomCropPadding = 0,
        HorizontalFlip = false,
        ProgressInterval = 2,
    };

    private static TrainingResult TrainTiny(TrainerOptions options, IProgress<TrainingProgress>? progress = null, CancellationToken token = default)
    {
        torch.manual_seed(options.Seed);
        using var model = CreateTiny(TinySpec);
        return new Training.Trainer(options).Train(model, TinySpec, Quadrants(256, 1), Quadrants(64, 2), progress, token);
    }

    [Fact]
    public void Learns_an_easy_task_loss_falls_and_accuracy_beats_chance()
    {
        string dir = TempFolder();
        var result = TrainTiny(Options(dir));

        Assert.Equal(4, result.History.Count);
        Assert.True(result.History[^1].Loss < result.History[0].Loss, $"loss did not fall: {string.Join(", ", result.History.Select(h => h.Loss))}");
        Assert.True(result.BestAccuracy > 0.6, $"test accuracy {result.BestAccuracy} is not above chance (0.25) by a clear margin");
        Assert.False(result.Interrupted);
        Assert.True(File.Exists(Path.Combine(dir, "last", Checkpoint.ModelFile)));
        Assert.True(File.Exists(Path.Combine(dir, "last", Checkpoint.OptimizerFile)));
        Assert.True(File.Exists(Path.Combine(dir, "best", Checkpoint.SpecFile)));

        var lines = File.ReadAllLines(Path.Combine(dir, Training.Trainer.LogFile));
        Assert.Equal(4, lines.Length);
        using var doc = JsonDocument.Parse(lines[1]);
        foreach (var field in new[] { "epoch", "loss", "train_acc", "test_acc", "lr", "seconds", "images_per_s" })
            Assert.True(doc.RootElement.TryGetProperty(field, out _), $"missing {field} in {lines[1]}");
        Assert.Equal(2, doc.RootElement.GetProperty("epoch").GetInt32());
    }

    [Fact]
    public void Batch_norm_sparsity_shrinks_the_batch_norm_scales_and_is_recorded_as_the_objective()
    {
        static (double Gammas, string? Objective) Train(double lambda)
        {
            string dir = TempFolder();
            torch.manual_seed(7);
            using var model = CreateTiny(TinySpec);
            new Training.Trainer(Options(dir, epochs: 2) with { BatchNormSparsity = lambda }).Train(model, TinySpec, Quadrants(256, 1), Quadrants(64, 2));
            double gammas = model.modules().OfType<TorchSharp.Modules.BatchNorm2d>().Sum(bn => bn.weight!.abs().sum().item<float>());
            return (gammas, Checkpoint.ReadState(Path.Combine(dir, "last"))?.Objective);
        }

        var plain = Train(0);
        var slimmed = Train(0.3);

        Assert.True(slimmed.Gammas < plain.Gammas * 0.7, $"sum |gamma| {slimmed.Gammas} with the penalty is not clearly below {plain.Gammas} without");
        Assert.Equal("cross-entropy", plain.Objective);
        Assert.Equal("cross-entropy + BatchNorm L1 0.3", slimmed.Objective);
    }

    [Fact]
    public void Negative_batch_norm_sparsity_is_refused_naming_the_setting()
    {
        var e = Assert.Throws<ArgumentException>(() => (Options(TempFolder()) with { BatchNormSparsity = -1 }).Validate());
        Assert.Contains("TrainerOptions.BatchNormSparsity must be 0 (off) or more", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Same_seed_gives_the_same_loss_sequence()
    {
        var first = TrainTiny(Options(TempFolder(), epochs: 2));
        var second = TrainTiny(Options(TempFolder(), epochs: 2));

        Assert.Equal(first.History.Select(h => h.Loss), second.History.Select(h => h.Loss));
        Assert.Equal(first.History.Select(h => h.TestAccuracy), second.History.Select(h => h.TestAccuracy));
    }

    [Fact]
    public void Retaining_the_native_heap_does_not_change_the_maths()
    {
        var retained = TrainTiny(Options(TempFolder(), epochs: 2));
        var plain = TrainTiny(Options(TempFolder(), epochs: 2) with { RetainNativeHeap = false });

        Assert.Equal(retained.History.Select(h => h.Loss), plain.History.Select(h => h.Loss));
        Assert.Equal(retained.History.Select(h => h.TestAccuracy), plain.History.Select(h => h.TestAccuracy));
    }

    [Fact]
    public void Reports_batch_progress()
    {
        var reports = new List<TrainingProgress>();
        TrainTiny(Options(TempFolder(), epochs: 1), new SyncProgress(reports.Add));

        Assert.NotEmpty(reports);
        Assert.All(reports, r => Assert.Equal(8, r.Batches));
        Assert.Equal(8, reports[^1].Batch);
        Assert.All(reports, r => Assert.True(r.ImagesPerSecond > 0 && double.IsFinite(r.Loss)));
    }

    [Fact]
    public void Resume_after_an_interruption_mid_epoch_continues_numbering_and_matches_an_uninterrupted_run()
    {
        var reference = TrainTiny(Options(TempFolder()));

        string dir = TempFolder();
        using var cts = new CancellationTokenSource();
        var interrupted = TrainTiny(Options(dir), new SyncProgress(p =>
        {
            if (p.Epoch == 3 && p.Batch == 4) cts.Cancel();
        }), cts.Token);
        Assert.True(interrupted.Interrupted);
        Assert.Equal(2, interrupted.CompletedEpochs);
        var state = Checkpoint.ReadState(interrupted.LastCheckpoint)!;
        Assert.Equal(4, state.PartialBatches);

        var resumed = TrainTiny(Options(dir) with { Resume = true });

        Assert.False(resumed.Interrupted);
        Assert.Equal([1, 2, 3, 4], resumed.History.Select(h => h.Epoch));
        Assert.Equal(4, File.ReadAllLines(Path.Combine(dir, Training.Trainer.LogFile)).Length);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(reference.History[i].Loss, resumed.History[i].Loss, 1e-5);
            Assert.Equal(reference.History[i].TestAccuracy!.Value, resumed.History[i].TestAccuracy!.Value, 1e-9);
        }
    }

    [Fact]
    public void Resume_without_a_checkpoint_starts_from_epoch_one()
    {
        var result = TrainTiny(Options(TempFolder(), epochs: 1) with { Resume = true });
        Assert.Equal([1], result.History.Select(h => h.Epoch));
    }

    [Fact]
    public void Resume_with_another_architecture_names_the_spec_file()
    {
        string dir = TempFolder();
        TrainTiny(Options(dir, epochs: 1));
        torch.manual_seed(1);
        using var model = CreateTiny(TinySpec);
        var other = TinySpec with { Architecture = "other" };
        var e = Assert.Throws<InvalidDataException>(() =>
            new Training.Trainer(Options(dir, epochs: 2) with { Resume = true }).Train(model, other, Quadrants(64, 1), Quadrants(16, 2)));
        Assert.Contains(Checkpoint.SpecFile, e.Message);
        Assert.Contains("other", e.Message);
    }

    [Fact]
    public void A_moving_average_of_the_weights_is_evaluated_every_epoch_and_kept_as_best_when_better()
    {
        string dir = TempFolder();
        var result = TrainTiny(Options(dir, epochs: 3) with { EmaDecay = 0.9 });

        Assert.All(result.History, h => Assert.InRange(h.EmaTestAccuracy!.Value, 0, 1));
        double bestOfBoth = result.History.Max(h => Math.Max(h.TestAccuracy!.Value, h.EmaTestAccuracy!.Value));
        Assert.Equal(bestOfBoth, result.BestAccuracy);
        var best = Checkpoint.ReadSpec(result.BestCheckpoint!).Metrics!;
        bool averageWon = best.EmaTestAccuracy > best.TestAccuracy;
        Assert.Equal(averageWon ? true : null, best.EmaWeights);
        // The best checkpoint scores what the log says for the weights it holds.
        using var loaded = Checkpoint.Load(result.BestCheckpoint!, CreateTiny);
        var evaluation = ClassifierEvaluator.Evaluate(loaded.Model, TinySpec, Quadrants(64, 2));
        Assert.Equal(result.BestAccuracy, evaluation.Top1, 9);
        // The trained weights are back in the model after every evaluation of the average: last holds them.
        using var last = Checkpoint.Load(result.LastCheckpoint, CreateTiny);
        Assert.Equal(result.FinalAccuracy, ClassifierEvaluator.Evaluate(last.Model, TinySpec, Quadrants(64, 2)).Top1, 9);
    }

    [Theory]
    [InlineData(2, new[] { false, true, false, true, true })]
    [InlineData(0, new[] { false, false, false, false, true })]
    public void Evaluating_every_nth_epoch_evaluates_those_and_the_last_and_keeps_best_among_them(int every, bool[] evaluated)
    {
        string dir = TempFolder();
        var result = TrainTiny(Options(dir, epochs: 5) with { EvaluateEvery = every, EmaDecay = 0.9 });

        Assert.Equal(evaluated, result.History.Select(h => h.TestAccuracy is not null).ToArray());
        Assert.Equal(evaluated, result.History.Select(h => h.EmaTestAccuracy is not null).ToArray());
        Assert.Contains(result.BestEpoch, Enumerable.Range(1, 5).Where(e => evaluated[e - 1]));
        Assert.Equal(result.History.Where(h => h.TestAccuracy is not null).Max(h => Math.Max(h.TestAccuracy!.Value, h.EmaTestAccuracy!.Value)), result.BestAccuracy);
        Assert.Equal(result.BestEpoch, Checkpoint.ReadSpec(result.BestCheckpoint!).Metrics!.Epoch);
        Assert.Equal(result.History[^1].TestAccuracy, result.FinalAccuracy);
        // An epoch without an evaluation still saves the resumable checkpoint and logs its training figures.
        var lines = File.ReadAllLines(Path.Combine(dir, Training.Trainer.LogFile));
        Assert.Equal(5, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            using var doc = JsonDocument.Parse(lines[i]);
            Assert.Equal(evaluated[i], doc.RootElement.TryGetProperty("test_acc", out _));
            Assert.True(doc.RootElement.GetProperty("loss").GetDouble() > 0);
        }
        // The same weights as a run evaluated every epoch: evaluation never touches training.
        var everyEpoch = TrainTiny(Options(TempFolder(), epochs: 5) with { EmaDecay = 0.9 });
        Assert.Equal(everyEpoch.History.Select(h => h.Loss), result.History.Select(h => h.Loss));
        Assert.Equal(everyEpoch.History[^1].TestAccuracy, result.History[^1].TestAccuracy);
    }

    [Fact]
    public void An_interrupted_run_whose_last_epoch_was_not_evaluated_has_no_final_accuracy_and_resumes_to_one()
    {
        string dir = TempFolder();
        using var cts = new CancellationTokenSource();
        var interrupted = TrainTiny(Options(dir, epochs: 3) with { EvaluateEvery = 0 }, new SyncProgress(p =>
        {
            if (p.Epoch == 2 && p.Batch == 4) cts.Cancel();
        }), cts.Token);
        Assert.True(interrupted.Interrupted);
        Assert.Null(interrupted.History[^1].TestAccuracy);
        Assert.Contains("was not evaluated", Assert.Throws<InvalidOperationException>(() => interrupted.FinalAccuracy).Message);
        Assert.Null(interrupted.BestCheckpoint);

        var resumed = TrainTiny(Options(dir, epochs: 3) with { EvaluateEvery = 0, Resume = true });
        Assert.Equal([false, false, true], resumed.History.Select(h => h.TestAccuracy is not null));
        Assert.Equal(3, resumed.BestEpoch);
    }

    [Fact]
    public void A_budgeted_run_evaluating_only_its_last_epoch_plans_one_evaluation_and_makes_only_that_one()
    {
        var result = TrainTiny(Budgeted(TempFolder(), seconds: 8, maxEpochs: 500) with { EvaluateEvery = 0 });

        var plan = result.Plan!;
        Assert.Equal(0, plan.EvaluateEvery);
        Assert.Equal(plan.Epochs, result.History.Count);
        Assert.Equal(Enumerable.Range(1, plan.Epochs).Select(e => e == plan.Epochs), result.History.Select(h => h.TestAccuracy is not null));
        Assert.Equal(plan.TotalSteps, Checkpoint.ReadState(result.LastCheckpoint)!.GlobalStep);
        Assert.True(plan.PlannedSeconds <= 8, $"planned {plan.PlannedSeconds} s");
        Assert.True(result.WallSeconds < 8 * 2, $"took {result.WallSeconds} s of an 8 s budget");
    }

    [Fact]
    public void A_negative_evaluation_interval_is_refused_naming_the_setting()
    {
        var e = Assert.Throws<ArgumentException>(() => (Options(TempFolder()) with { EvaluateEvery = -1 }).Validate());
        Assert.Contains("EvaluateEvery", e.Message);
    }

    private static TrainerOptions Budgeted(string outDir, double seconds, int maxEpochs) => Options(outDir, maxEpochs) with
    {
        TimeBudget = TimeSpan.FromSeconds(seconds),
        WarmupEpochs = 1,
    };

    [Fact]
    public void A_budgeted_run_plans_its_epochs_ends_its_schedule_and_reports_planned_and_actual_wall_time()
    {
        string dir = TempFolder();
        var result = TrainTiny(Budgeted(dir, seconds: 8, maxEpochs: 500));

        var plan = result.Plan!;
        Assert.Equal(8, plan.BudgetSeconds);
        Assert.InRange(plan.Epochs, 1, 500);
        Assert.Equal(plan.Epochs, result.History.Count);
        Assert.True(plan.SecondsPerStep > 0 && plan.EvaluationSeconds > 0 && plan.CheckpointSeconds > 0);
        // The schedule ran to its end: the last epoch's last step had (almost) no learning rate left.
        Assert.True(result.History[^1].LearningRate < 0.05 * 0.01, $"last lr {result.History[^1].LearningRate}");
        Assert.Equal(plan.TotalSteps, Checkpoint.ReadState(result.LastCheckpoint)!.GlobalStep);
        // Planned vs actual: generous slack (a loaded machine), not a timing assertion of speed.
        Assert.True(plan.PlannedSeconds <= 8, $"planned {plan.PlannedSeconds} s");
        Assert.True(result.WallSeconds < 8 * 2, $"took {result.WallSeconds} s of an 8 s budget");
        Assert.True(result.WallSeconds >= result.History[^1].WallSeconds);
        var lines = File.ReadAllLines(Path.Combine(dir, Training.Trainer.LogFile));
        Assert.Equal(plan.Epochs, lines.Length);
        using var doc = JsonDocument.Parse(lines[^1]);
        Assert.True(doc.RootElement.GetProperty("wall_s").GetDouble() > 0);
        Assert.True(doc.RootElement.GetProperty("planned_wall_s").GetDouble() > 0);
    }

    [Fact]
    public void A_budgeted_run_plans_with_a_warm_evaluation_not_the_first_one_which_pays_once_for_its_kernels()
    {
        // A model whose first evaluation-mode pass takes 3 s longer (as a first pass that builds its kernels and buffers
        // does on a large net), then runs at its own speed. The test set (64 images) is the whole timed slice, so the
        // plan's estimate is the time of one pass: with the cold pass timed it would be at least 3 s.
        torch.manual_seed(7);
        using var model = new SlowFirstEvaluation(CreateTiny(TinySpec), TimeSpan.FromSeconds(3));
        var result = new Training.Trainer(Budgeted(TempFolder(), seconds: 10, maxEpochs: 500))
            .Train(model, TinySpec, Quadrants(256, 1), Quadrants(64, 2));

        Assert.True(model.Slept, "the premise: the model's first evaluation pass was the slow one");
        var plan = result.Plan!;
        Assert.True(plan.EvaluationSeconds < 1.5, $"the plan reserved {plan.EvaluationSeconds:F2} s per evaluation: the cold first pass was timed");
    }

    /// <summary>Wraps a model; its first forward in evaluation mode sleeps, later ones do not.</summary>
    private sealed class SlowFirstEvaluation : torch.nn.Module<torch.Tensor, torch.Tensor>
    {
        private readonly torch.nn.Module<torch.Tensor, torch.Tensor> inner;
        private readonly TimeSpan delay;

        public SlowFirstEvaluation(torch.nn.Module<torch.Tensor, torch.Tensor> inner, TimeSpan delay) : base(nameof(SlowFirstEvaluation))
        {
            this.inner = inner;
            this.delay = delay;
            RegisterComponents();
        }

        public bool Slept { get; private set; }

        public override torch.Tensor forward(torch.Tensor input)
        {
            if (!training && !Slept)
            {
                Slept = true;
                Thread.Sleep(delay);
            }
            return inner.forward(input);
        }
    }

    [Fact]
    public void Before_a_budgeted_run_is_planned_its_estimate_is_what_is_left_of_the_budget()
    {
        // The upper bound of epochs (10,000 here) must not drive the estimate while the first steps are timed:
        // 80,000 steps at any measurable rate would be far more than the budget.
        var reports = new List<TrainingProgress>();
        var result = TrainTiny(Budgeted(TempFolder(), seconds: 3, maxEpochs: 10_000) with { ProgressInterval = 1 }, new SyncProgress(reports.Add));

        var beforePlan = reports.Where(r => r.Epochs == 10_000).ToList();
        Assert.NotEmpty(beforePlan);
        Assert.All(beforePlan, r => Assert.InRange(r.Eta.TotalSeconds, 0, 3));
        Assert.Contains(reports, r => r.Epochs == result.Plan!.Epochs);
    }

    [Fact]
    public void Resume_keeps_the_budgeted_plan()
    {
        string dir = TempFolder();
        using var cts = new CancellationTokenSource();
        var interrupted = TrainTiny(Budgeted(dir, seconds: 20, maxEpochs: 4), new SyncProgress(p =>
        {
            if (p.Epoch == 2 && p.Batch == 4) cts.Cancel();
        }), cts.Token);
        Assert.True(interrupted.Interrupted);
        var plan = interrupted.Plan!;
        Assert.Equal(Checkpoint.ReadState(interrupted.LastCheckpoint)!.Plan, plan);

        // A much smaller budget now would plan one short epoch; the stored plan wins.
        var resumed = TrainTiny(Budgeted(dir, seconds: 0.5, maxEpochs: 4) with { Resume = true });

        Assert.False(resumed.Interrupted);
        Assert.Equal(20, resumed.Plan!.BudgetSeconds);
        Assert.Equal(plan.StepsPerEpoch, resumed.Plan.StepsPerEpoch);
        Assert.Equal(plan.SecondsPerStep, resumed.Plan.SecondsPerStep);
        Assert.Equal(plan.FirstPlannedSeconds, resumed.Plan.FirstPlannedSeconds);
        Assert.NotNull(resumed.Plan.FirstPlannedSeconds);
        Assert.Equal(resumed.Plan.Epochs, resumed.History.Count);
        Assert.True(resumed.WallSeconds > interrupted.WallSeconds, "wall time adds up over the resumed parts");
    }

    [Fact]
    public void A_time_budget_must_be_positive()
    {
        var e = Assert.Throws<ArgumentException>(() => (Options(TempFolder()) with { TimeBudget = TimeSpan.Zero }).Validate());
        Assert.StartsWith("TrainerOptions.TimeBudget must be a positive duration", e.Message, StringComparison.Ordinal);
    }

    private sealed class SyncProgress(Action<TrainingProgress> handler) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => handler(value);
    }
}
