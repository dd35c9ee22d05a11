using EdgeToolkit.Compression.Export;
using EdgeToolkit.Preprocessing;
using EdgeToolkit.Tests.Shared;
using EdgeToolkit.Training.Training;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace EdgeToolkit.Compression.Tests.Contract;

/// <summary>
/// The crash class of docs/training.md ("Scalars held across libtorch calls"): a number turned into a native Scalar
/// that nothing holds can be finalized by a garbage collection on another thread while libtorch reads it. It crashed CI
/// runs twice (BatchNorm's counter, then the random crop's indices on the prefetch thread), each time in code that
/// looked harmless. These tests read the IL of the Training, Compression and Preprocessing assemblies and of this test
/// assembly (whose test classes run in parallel, so a collection can start on another thread at any time) and fail on
/// any call that makes such a temporary, naming the method and the call. Training.Tests and EdgeKit.Tests check their
/// own assemblies (and edgekit's) the same way.
/// </summary>
public class ScalarTemporariesTests(ITestOutputHelper output)
{
    [Fact]
    public void The_library_assemblies_hand_libtorch_no_unheld_scalar()
    {
        var found = new[] { typeof(Trainer).Assembly, typeof(OnnxExporter).Assembly, typeof(ModelInputWriter).Assembly }
            .SelectMany(a => ScalarTemporaryScan.Find(a.Location).Select(f => $"{Path.GetFileName(a.Location)}: {f}"))
            .ToList();

        output.WriteLine($"{ScalarTemporaryScan.TorchSharpMakerCount} TorchSharp methods make a temporary Scalar");
        Assert.True(found.Count == 0, "use EdgeToolkit.Training.Native.HeldScalars (or a Scalar in a using) for:\n" + string.Join("\n", found));
    }

    [Fact]
    public void This_test_assembly_hands_libtorch_no_unheld_scalar_outside_the_scans_own_examples()
    {
        string examples = typeof(ScalarTemporariesTests).FullName + "::Hazard";
        var found = ScalarTemporaryScan.Find(typeof(ScalarTemporariesTests).Assembly.Location, m => !m.StartsWith(examples, StringComparison.Ordinal));

        Assert.True(found.Count == 0, "use EdgeToolkit.Training.Native.HeldScalars (or a Scalar in a using) for:\n" + string.Join("\n", found));
    }

    [Fact]
    public void The_scan_finds_operators_conversions_default_alphas_and_unstored_ToScalar()
    {
        var found = ScalarTemporaryScan.Find(typeof(ScalarTemporariesTests).Assembly.Location,
            m => m.StartsWith(typeof(ScalarTemporariesTests).FullName + "::", StringComparison.Ordinal) && m.Contains("Hazard", StringComparison.Ordinal));

        Assert.Contains(found, f => f.Contains("::HazardOperator(") && f.Contains("op_Multiply(TorchSharp.torch/Tensor,Double)"));
        Assert.Contains(found, f => f.Contains("::HazardFill(") && f.Contains("TorchSharp.Scalar::op_Implicit(Double)"));
        Assert.Contains(found, f => f.Contains("::HazardDefaultAlpha(") && f.Contains("TorchSharp.torch/Tensor::add(TorchSharp.torch/Tensor)"));
        Assert.Contains(found, f => f.Contains("::HazardUnstoredToScalar(") && f.Contains("ToScalar"));
        Assert.DoesNotContain(found, f => f.Contains("::HazardFreeHeld("));
        Assert.Equal(4, found.Count);
    }

    // Methods the scan must flag (and one it must not); they are read, never run.
    private static Tensor HazardOperator(Tensor t) => t * 0.5;

    private static Tensor HazardFill(Tensor t, double value) => t.fill_(value);

    private static Tensor HazardDefaultAlpha(Tensor a, Tensor b) => a.add(b);

    private static Tensor HazardUnstoredToScalar(Tensor t, double value) => t.mul(value.ToScalar());

    private static Tensor HazardFreeHeld(Tensor t, double value)
    {
        using var s = value.ToScalar();
        return t.mul(s);
    }
}
