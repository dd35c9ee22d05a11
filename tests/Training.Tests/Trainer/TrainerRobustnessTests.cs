using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Native;
using EdgeToolkit.Training.Tests.Native;
using EdgeToolkit.Training.Training;
using TorchSharp;
using TorchSharp.Modules;
using static EdgeToolkit.Training.Tests.Trainer.TrainerTestData;
using static TorchSharp.torch;

namespace EdgeToolkit.Training.Tests.Trainer;

/// <summary>The trainer under hostile conditions: garbage collection at every moment, a loss that turns non-finite.</summary>
[Collection(TorchGlobalStateCollection.Name)]
public sealed class TrainerRobustnessTests
{
    private static TrainerOptions Options(string outDir, int epochs) => new()
    {
        Epochs = epochs,
        BatchSize = 32,
        LearningRate = 0.05,
        WarmupEpochs = 0,
        Seed = 7,
        Threads = 1,
        OutputDir = outDir,
        RandomCropPadding = 2,
        HorizontalFlip = true,
        ProgressInterval = 1000,
    };

    /// <summary>
    /// The time-budget path (probe, evaluation of a test slice and a save of <c>last</c> in the middle of epoch 1,
    /// then training on, more evaluations and checkpoints) with a thread collecting garbage all along: every
    /// BatchNorm counts exactly the steps taken in an int64 buffer, the losses stay finite, and <c>last</c> holds
    /// the same buffers. Before the held scalars this path failed in CI with "For integral input tensors,
    /// argument alpha must not be a floating point number" in BatchNorm.forward.
    /// </summary>
    [Fact]
    public void A_budgeted_run_under_constant_garbage_collection_keeps_every_BatchNorm_buffer_exact()
    {
        string dir = TempFolder();
        var spec = new ModelSpec("resnet20", Classes, 1, TrainerTestData.Size) { Labels = ["tl", "tr", "bl", "br"] };
        var options = Options(dir, epochs: 3) with { TimeBudget = TimeSpan.FromSeconds(10) };
        torch.manual_seed(options.Seed);
        using var model = ModelFactory.Create(spec);
        TrainingResult result;
        using (new GarbageCollectionStorm())
            result = new Training.Trainer(options).Train(model, spec, Quadrants(256, 1), Quadrants(64, 2));

        long steps = Checkpoint.ReadState(result.LastCheckpoint)!.GlobalStep;
        Assert.Equal(result.Plan!.TotalSteps, steps);
        Assert.All(result.History, h => Assert.True(double.IsFinite(h.Loss), $"epoch {h.Epoch} loss {h.Loss}"));
        var norms = model.modules().OfType<BatchNorm2d>().ToList();
        Assert.NotEmpty(norms);
        foreach (var bn in norms)
        {
            Assert.Equal(ScalarType.Int64, bn.num_batches_tracked!.dtype);
            Assert.Equal(steps, bn.num_batches_tracked.item<long>());
        }
        using var saved = Checkpoint.Load(result.LastCheckpoint);
        var savedNorms = saved.Model.modules().OfType<BatchNorm2d>().ToList();
        Assert.Equal(norms.Count, savedNorms.Count);
        for (int i = 0; i < norms.Count; i++)
        {
            Assert.Equal(steps, savedNorms[i].num_batches_tracked!.item<long>());
            Assert.True(savedNorms[i].running_var!.allclose(norms[i].running_var!, rtol: 0, atol: 0), $"BatchNorm {i}: saved running_var differs");
        }
    }

    /// <summary>An objective whose loss turns NaN on a chosen call.</summary>
    private sealed class PoisonedObjective(int poisonedCall) : ITrainingObjective
    {
        private readonly CrossEntropyObjective _inner = new();
        private int _calls;

        public string Description => "cross-entropy, poisoned";

        public Tensor Loss(Tensor logits, Tensor images, Tensor targets)
        {
            var loss = _inner.Loss(logits, images, targets);
            return ++_calls == poisonedCall ? HeldScalars.Multiply(loss, double.NaN) : loss;
        }
    }

    [Fact]
    public void A_non_finite_loss_stops_training_naming_the_epoch_and_batch_and_takes_no_step_with_it()
    {
        string dir = TempFolder();
        torch.manual_seed(7);
        using var model = CreateTiny(TinySpec);
        // 256 images in batches of 32: 8 a epoch; the 11th loss is epoch 2, batch 3.
        var trainer = new Training.Trainer(Options(dir, epochs: 3), new PoisonedObjective(11));

        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Train(model, TinySpec, Quadrants(256, 1), Quadrants(64, 2)));

        Assert.Equal(2, e.Epoch);
        Assert.Equal(3, e.Batch);
        Assert.Equal(10, e.GlobalStep);
        Assert.True(double.IsNaN(e.Loss));
        Assert.Contains("the loss is NaN at epoch 2, batch 3", e.Message, StringComparison.Ordinal);
        Assert.Contains("--lr", e.Message, StringComparison.Ordinal);
        Assert.All(model.parameters(), p => Assert.True(p.isfinite().all().item<bool>(), "a weight became non-finite"));
        Assert.Equal(1, Checkpoint.ReadState(Path.Combine(dir, Training.Trainer.LastName))!.CompletedEpochs);
    }
}
