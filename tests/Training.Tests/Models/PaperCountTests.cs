using EdgeToolkit.Training.Models;

namespace EdgeToolkit.Training.Tests.Models;

/// <summary>
/// Parameter and MAC counts against the papers. The papers print figures rounded to 0.01M/0.1M
/// (params) or 1M (MACs); a count matches when it is within 2% of the printed figure or rounds to
/// it (within half a unit of its last digit: MobileNet 0.5 prints 1.3M for 1.33M, 0.25 prints
/// 0.5M for 0.47M, DenseNet-BC-100 prints 0.8M for 0.77M). Exact counts are pinned as well; they
/// equal the widely used PyTorch/Keras reference implementations.
/// </summary>
public sealed class PaperCountTests
{
    private static void AssertMatchesPaper(double paper, double halfUnit, long measured, string what)
    {
        double tolerance = Math.Max(0.02 * paper, halfUnit);
        Assert.True(Math.Abs(measured - paper) <= tolerance,
            $"{what}: measured {measured:N0}, paper {paper:N0} (tolerance {tolerance:N0})");
    }

    [Theory]
    [InlineData("resnet20", 0.27e6, 0.005e6, 269_722)]
    [InlineData("resnet32", 0.46e6, 0.005e6, 464_154)]
    [InlineData("resnet44", 0.66e6, 0.005e6, 658_586)]
    [InlineData("resnet56", 0.85e6, 0.005e6, 853_018)]
    [InlineData("resnet110", 1.7e6, 0.05e6, 1_727_962)]
    [InlineData("densenet-bc-100", 0.8e6, 0.05e6, 769_162)]
    public void Cifar_parameter_counts_match_the_papers(string architecture, double paper, double halfUnit, long exact)
    {
        using var model = ModelFactory.Create(new ModelSpec(architecture, 10, 3, 32));
        var result = ModelComplexity.Measure(model, 3, 32, 32);
        AssertMatchesPaper(paper, halfUnit, result.Parameters, architecture);
        Assert.Equal(exact, result.Parameters);
    }

    [Theory]
    [InlineData(1.0, 4.2e6, 569e6, 4_231_976, 568_740_352)]
    [InlineData(0.75, 2.6e6, 325e6, 2_585_560, 325_400_448)]
    [InlineData(0.5, 1.3e6, 149e6, 1_331_592, 149_497_088)]
    [InlineData(0.25, 0.5e6, 41e6, 470_072, 41_030_272)]
    public void MobileNet_v1_at_224_with_1000_classes_matches_the_paper(double alpha, double paperParams, double paperMacs, long exactParams, long exactMacs)
    {
        using var model = new MobileNetV1(1000, alpha, 3, 224);
        var result = ModelComplexity.Measure(model, 3, 224, 224);
        AssertMatchesPaper(paperParams, 0.05e6, result.Parameters, $"alpha {alpha} params");
        AssertMatchesPaper(paperMacs, 0.5e6, result.Macs, $"alpha {alpha} MACs");
        Assert.True(Math.Abs(result.Macs - paperMacs) <= 0.02 * paperMacs, $"alpha {alpha}: MACs {result.Macs:N0} not within 2% of {paperMacs:N0}");
        Assert.Equal(exactParams, result.Parameters);
        Assert.Equal(exactMacs, result.Macs);
    }
}
