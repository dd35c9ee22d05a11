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
        var history = new DistillationFineTuner(options).FineTune(student, spec with { Alpha = 0.25 }, teacher, Images(64), Images(32), _folder,
            new Progress(reports));

        Assert.Equal([1, 2], history.Select(h => h.Epoch));
        Assert.All(history, h => Assert.InRange(h.TestAccuracy, 0, 1));
        Assert.Contains(reports, r => r.Epoch == 2 && r.Batch == r.Batches);
        Assert.False(student.state_dict()["features.13.pointwise.weight"].allclose(studentBefore), "the student did not change");
        foreach (var (key, t) in teacher.state_dict())
            Assert.True(t.eq(teacherBefore[key]).all().item<bool>(), $"teacher changed: {key}");
        using var saved = Checkpoint.Load(_folder);
        Assert.Equal(0.25, saved.Spec.Alpha);
        Assert.Equal(history[^1].TestAccuracy, saved.Metrics!.TestAccuracy);
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

    private sealed class Progress(List<TrainingProgress> reports) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => reports.Add(value);
    }
}
