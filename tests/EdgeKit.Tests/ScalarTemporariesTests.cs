using EdgeToolkit.EdgeKit.Commands;
using EdgeToolkit.Tests.Shared;

namespace EdgeToolkit.EdgeKit.Tests;

/// <summary>
/// The edgekit tool and these tests hand libtorch no Scalar that nothing holds (docs/training.md, "Scalars held across
/// libtorch calls"). The library assemblies and the scan's own checks are in Compression.Tests (<c>ScalarTemporariesTests</c>).
/// </summary>
public sealed class ScalarTemporariesTests
{
    [Fact]
    public void The_tool_and_this_test_assembly_hand_libtorch_no_unheld_scalar()
    {
        var found = new[] { typeof(EvalCommand).Assembly, typeof(ScalarTemporariesTests).Assembly }
            .SelectMany(a => ScalarTemporaryScan.Find(a.Location).Select(f => $"{Path.GetFileName(a.Location)}: {f}"))
            .ToList();

        Assert.True(found.Count == 0, "use EdgeToolkit.Training.Native.HeldScalars (or a Scalar in a using) for:\n" + string.Join("\n", found));
    }
}
