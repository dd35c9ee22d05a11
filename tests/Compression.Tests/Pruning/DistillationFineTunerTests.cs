using EdgeToolkit.Compression.Distillation;
using EdgeToolkit.Compression.Pruning;
using EdgeToolkit.Training.Data;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Compression.Tests.Pruning;

public sealed class DistillationFineTunerTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "edgekit-finetune-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Two easily separated classes: dark and bright 8x8 images.</summary>
    private static ImageDataset Images(int count)
    {
        var pixels = new byte[count * 64];
        var labels = new long[count];
        var rng = new Random(4);
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % 2;
            for (int p = 0; p < 64; p++) pixels[i * 64 + p] = (byte)(labels[i] == 0 ? rng.Next(0, 60) : rng.Next(190, 255));
        }
        return new ImageDataset("synthetic", pixels, labels, 1, 8, 8, ["dark", "bright"]);
    }

    [Fact]
    public void Distilled_fine_tuning_trains_the_student_leaves_the_teacher_alone_and_saves_a_checkpoint()
    {
        torch.random.manual_seed(9);
        var spec = new ModelSpec("mobilenet_v1", 2, 1, 8, 1.0) { Mean = [0.5f], Std = [0.5f], Labels = ["dark", "bright"] };
        using var teacher = new MobileNetV1(2, 1.0, 1, 8);
        teacher.eval();
        using var student = MobileNetWidthPruner.Prune(teacher, 0.25);
        var teacherBefore = teacher.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var studentBefore = student.state_dict()["features.13.pointwise.weight"].clone();

        var options = new FineTuneOptions { Epochs = 2, BatchSize = 16, LearningRate = 0.05, DistillationWeight = 0.5, Temperature = 2 };
        var reports = new List<TrainingProgress>();
        var result = new DistillationFineTuner(options).FineTune(student, spec with { Alpha = 0.25 }, teacher, Images(64), Images(32), _folder,
            new Progress(reports));
        var history = result.History;

        Assert.Equal([1, 2], history.Select(h => h.Epoch));
        Assert.All(history, h => Assert.InRange(h.TestAccuracy!.Value, 0, 1));
        Assert.Contains(reports, r => r.Epoch == 2 && r.Batch == r.Batches);
        Assert.False(student.state_dict()["features.13.pointwise.weight"].allclose(studentBefore), "the student did not change");
        foreach (var (key, t) in teacher.state_dict())
            Assert.True(t.eq(teacherBefore[key]).all().item<bool>(), $"teacher changed: {key}");
        Assert.False(result.Interrupted);
        Assert.Equal(Path.Combine(_folder, Trainer.LastName), result.LastCheckpoint);
        using var saved = Checkpoint.Load(result.LastCheckpoint);
        Assert.Equal(0.25, saved.Spec.Alpha);
        Assert.Equal(history[^1].TestAccuracy, saved.Metrics!.TestAccuracy);
    }

    [Fact]
    public void Interrupted_fine_tuning_resumes_mid_epoch_and_ends_where_an_uninterrupted_run_ends()
    {
        var spec = new ModelSpec("mobilenet_v1", 2, 1, 8, 0.25) { Mean = [0.5f], Std = [0.5f], Labels = ["dark", "bright"] };
        var options = new FineTuneOptions
        {
            Epochs = 2, BatchSize = 8, LearningRate = 0.05, DistillationWeight = 0.5, Temperature = 2,
            RandomCropPadding = 0, HorizontalFlip = false, Threads = 1,
        };
        torch.random.manual_seed(9);
        using var teacher = new MobileNetV1(2, 1.0, 1, 8);
        using var initial = MobileNetWidthPruner.Prune(teacher, 0.25);
        var start = initial.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());

        // Uninterrupted reference run.
        string reference = Path.Combine(_folder, "reference");
        using var whole = MobileNetWidthPruner.Prune(teacher, 0.25);
        whole.load_state_dict(start);
        var expected = new DistillationFineTuner(options).FineTune(whole, spec, teacher, Images(96), Images(32), reference);

        // Same run cancelled in epoch 1 after 10 of 12 batches (progress comes every 10), then resumed in a fresh model.
        string resumed = Path.Combine(_folder, "resumed");
        using var cancel = new CancellationTokenSource();
        using var first = MobileNetWidthPruner.Prune(teacher, 0.25);
        first.load_state_dict(start);
        var interrupted = new DistillationFineTuner(options).FineTune(first, spec, teacher, Images(96), Images(32), resumed,
            new Progress([], p => { if (p.Epoch == 1 && p.Batch == 10) cancel.Cancel(); }), cancel.Token);
        Assert.True(interrupted.Interrupted);
        Assert.Empty(interrupted.History);

        using var second = new MobileNetV1(2, 0.25, 1, 8);
        var finished = new DistillationFineTuner(options with { Resume = true }).FineTune(second, spec, teacher, Images(96), Images(32), resumed);

        Assert.False(finished.Interrupted);
        Assert.Equal([1, 2], finished.History.Select(h => h.Epoch));
        Assert.Equal(expected.History.Select(h => h.TestAccuracy), finished.History.Select(h => h.TestAccuracy));
        Assert.Equal(expected.History[^1].Loss, finished.History[^1].Loss, 4);
        var state = Checkpoint.ReadState(finished.LastCheckpoint)!;
        Assert.Equal(24, state.GlobalStep);
        Assert.Equal("distillation (weight 0.5, temperature 2)", state.Objective);
    }

    [Fact]
    public void Resuming_under_another_objective_is_refused_naming_both()
    {
        var spec = new ModelSpec("mobilenet_v1", 2, 1, 8, 0.25) { Mean = [0.5f], Std = [0.5f], Labels = ["dark", "bright"] };
        var options = new FineTuneOptions { Epochs = 1, BatchSize = 8, DistillationWeight = 0, MaxBatchesPerEpoch = 2, Threads = 1 };
        using var student = new MobileNetV1(2, 0.25, 1, 8);
        new DistillationFineTuner(options).FineTune(student, spec, null, Images(16), Images(8), _folder);
        using var teacher = new MobileNetV1(2, 1.0, 1, 8);
        var e = Assert.Throws<InvalidDataException>(() => new DistillationFineTuner(options with { DistillationWeight = 0.5, Resume = true })
            .FineTune(student, spec, teacher, Images(16), Images(8), _folder));
        Assert.Contains("state.json: cannot resume: the run minimised cross-entropy but this run minimises distillation (weight 0.5, temperature 4)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Max_batches_per_epoch_limits_the_steps()
    {
        var spec = new ModelSpec("mobilenet_v1", 2, 1, 8, 0.25) { Mean = [0.5f], Std = [0.5f], Labels = ["dark", "bright"] };
        using var student = new MobileNetV1(2, 0.25, 1, 8);
        var result = new DistillationFineTuner(new FineTuneOptions { Epochs = 2, BatchSize = 8, DistillationWeight = 0, MaxBatchesPerEpoch = 3, Threads = 1 })
            .FineTune(student, spec, null, Images(64), Images(8), _folder);
        Assert.Equal(6, Checkpoint.ReadState(result.LastCheckpoint)!.GlobalStep);
    }

    [Fact]
    public void Distillation_without_a_teacher_is_refused()
    {
        using var student = new MobileNetV1(2, 0.25, 1, 8);
        var spec = new ModelSpec("mobilenet_v1", 2, 1, 8, 0.25);
        var e = Assert.Throws<ArgumentException>(() => new DistillationFineTuner(new FineTuneOptions { DistillationWeight = 0.3 })
            .FineTune(student, spec, null, Images(8), Images(8), _folder));
        Assert.Contains("DistillationWeight", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Epochs")]
    [InlineData("LearningRate")]
    [InlineData("DistillationWeight")]
    [InlineData("Temperature")]
    public void Bad_fine_tune_options_are_named(string setting)
    {
        var o = setting switch
        {
            "Epochs" => new FineTuneOptions { Epochs = 0 },
            "LearningRate" => new FineTuneOptions { LearningRate = -1 },
            "DistillationWeight" => new FineTuneOptions { DistillationWeight = 2 },
            _ => new FineTuneOptions { Temperature = 0 },
        };
        var e = Assert.Throws<ArgumentException>(() => o.Validate());
        Assert.StartsWith($"FineTuneOptions.{setting} must be", e.Message, StringComparison.Ordinal);
    }

    private sealed class Progress(List<TrainingProgress> reports, Action<TrainingProgress>? also = null) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            reports.Add(value);
            also?.Invoke(value);
        }
    }
}
