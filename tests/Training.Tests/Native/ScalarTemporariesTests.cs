using EdgeToolkit.Tests.Shared;

namespace EdgeToolkit.Training.Tests.Native;

/// <summary>
/// This test assembly hands libtorch no Scalar that nothing holds (docs/training.md, "Scalars held across libtorch
/// calls"): its test classes run in parallel, so a garbage collection can start on another thread during any libtorch
/// call. The library assemblies and the scan's own checks are in Compression.Tests (<c>ScalarTemporariesTests</c>).
/// </summary>
public sealed class ScalarTemporariesTests
{
    [Fact]
    public void This_test_assembly_hands_libtorch_no_unheld_scalar()
    {
        var found = ScalarTemporaryScan.Find(typeof(ScalarTemporariesTests).Assembly.Location);

        Assert.True(found.Count == 0, "use EdgeToolkit.Training.Native.HeldScalars (or a Scalar in a using) for:\n" + string.Join("\n", found));
    }
}
