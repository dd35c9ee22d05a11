using System.Diagnostics;
using EdgeToolkit.Training.Native;
using EdgeToolkit.Training.Tests.Trainer;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EdgeToolkit.Training.Tests.Native;

/// <summary>
/// The libtorch calls of the training step keep their scalars alive. Under TorchSharp's own
/// <c>BatchNorm.forward</c> the storm below fails within about a second ("Unknown scalar type" or "For integral
/// input tensors, argument alpha must not be a floating point number"); see docs/training.md.
/// </summary>
[Collection(TorchGlobalStateCollection.Name)]
public sealed class HeldScalarsTests
{
    private static readonly TimeSpan StormLength = TimeSpan.FromSeconds(3);

    [Fact]
    public void BatchNorm_forward_under_constant_garbage_collection_counts_every_batch_in_an_int64_buffer()
    {
        torch.manual_seed(1);
        using var bn = nn.BatchNorm2d(4);
        bn.train();
        using var x = torch.randn(2, 4, 2, 2);
        long calls = 0;
        long collections;
        using (var storm = new GarbageCollectionStorm())
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < StormLength || calls < 10_000)
            {
                using var scope = torch.NewDisposeScope();
                BatchNormCalls.Forward(bn, x);
                calls++;
            }
            collections = storm.Collections;
        }

        Assert.True(collections > 10, $"only {collections} collections ran during the storm");
        Assert.Equal(ScalarType.Int64, bn.num_batches_tracked!.dtype);
        Assert.Equal(calls, bn.num_batches_tracked.item<long>());
    }

    [Fact]
    public void Fill_and_scalar_add_under_constant_garbage_collection_keep_the_dtype_and_the_value()
    {
        using var count = torch.zeros(3, dtype: ScalarType.Int64);
        using var sum = torch.zeros(3, dtype: ScalarType.Float64);
        long calls = 0;
        using (var storm = new GarbageCollectionStorm())
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < StormLength || calls < 10_000)
            {
                using var scope = torch.NewDisposeScope();
                HeldScalars.Fill(count, calls);
                HeldScalars.Fill(sum, calls + 0.25);
                Assert.Equal(calls + 1.75, HeldScalars.Add(sum, 1.5)[0].item<double>());
                calls++;
            }
        }

        Assert.Equal(ScalarType.Int64, count.dtype);
        Assert.Equal(calls - 1, count[2].item<long>());
        Assert.Equal(ScalarType.Float64, sum.dtype);
        Assert.Equal(calls - 0.75, sum[0].item<double>());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNorm_forward_matches_TorchSharps_module_in_training_and_evaluation(bool training)
    {
        torch.manual_seed(2);
        using var ours = nn.BatchNorm2d(3);
        using var theirs = nn.BatchNorm2d(3);
        using (torch.no_grad())
        {
            ours.weight.uniform_(0.5, 1.5);
            theirs.weight.copy_(ours.weight);
            ours.running_mean!.uniform_(-1, 1);
            theirs.running_mean!.copy_(ours.running_mean);
        }
        ours.train(training);
        theirs.train(training);
        using var x = torch.randn(5, 3, 4, 4);

        for (int i = 0; i < 3; i++)
        {
            using var a = BatchNormCalls.Forward(ours, x);
            using var b = theirs.call(x);
            Assert.True(a.allclose(b, rtol: 1e-5, atol: 1e-6), $"outputs differ at call {i}");
        }
        Assert.True(ours.running_mean!.allclose(theirs.running_mean!), "running means differ");
        Assert.True(ours.running_var!.allclose(theirs.running_var!), "running variances differ");
        Assert.Equal(theirs.num_batches_tracked!.item<long>(), ours.num_batches_tracked!.item<long>());
        Assert.Equal(training ? 3 : 0, ours.num_batches_tracked.item<long>());
    }

    public static TheoryData<string> Optimizers => ["sgd", "sgd-nesterov", "adam", "adamw"];

    /// <summary>The held-scalar step is TorchSharp's update: 50 steps under a garbage-collection storm end where TorchSharp's own optimiser ends (run without one).</summary>
    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Optimizer_step_under_garbage_collection_equals_TorchSharps_update(string kind)
    {
        torch.manual_seed(3);
        using var start = torch.randn(64, 32);
        using var oursParam = new Parameter(start.clone());
        using var theirsParam = new Parameter(start.clone());
        using var ours = Create(kind, oursParam, held: true);
        using var theirs = Create(kind, theirsParam, held: false);

        using (new GarbageCollectionStorm())
        {
            for (int i = 0; i < 50; i++)
                Step(ours, oursParam, i);
        }
        for (int i = 0; i < 50; i++)
            Step(theirs, theirsParam, i); // TorchSharp's own step is not safe under the storm

        Assert.True(oursParam.allclose(theirsParam, rtol: 1e-5, atol: 1e-6), $"{kind}: parameters differ by {(oursParam - theirsParam).abs().max().item<float>()}");
    }

    private static OptimizerHelper Create(string kind, Parameter p, bool held) => (kind, held) switch
    {
        ("sgd", true) => new HeldScalarSgd([p], 0.05, 0.9, 5e-4, nesterov: false),
        ("sgd", false) => torch.optim.SGD([p], 0.05, momentum: 0.9, weight_decay: 5e-4),
        ("sgd-nesterov", true) => new HeldScalarSgd([p], 0.05, 0.9, 5e-4, nesterov: true),
        ("sgd-nesterov", false) => torch.optim.SGD([p], 0.05, momentum: 0.9, weight_decay: 5e-4, nesterov: true),
        ("adam", true) => new HeldScalarAdam([p], 0.01, 1e-3),
        ("adam", false) => torch.optim.Adam([p], 0.01, weight_decay: 1e-3),
        ("adamw", true) => new HeldScalarAdamW([p], 0.01, 1e-2),
        _ => torch.optim.AdamW([p], 0.01, weight_decay: 1e-2),
    };

    /// <summary>A quadratic loss with a target that changes per step, so momentum and moments matter.</summary>
    private static void Step(OptimizerHelper optimizer, Parameter p, int i)
    {
        using var scope = torch.NewDisposeScope();
        optimizer.zero_grad();
        torch.manual_seed(100 + i);
        var target = torch.randn(p.shape);
        var difference = p - target;
        var loss = (difference * difference).mean();
        loss.backward();
        optimizer.step();
    }
}
