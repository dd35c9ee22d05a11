using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Training.Tests.Models;

public sealed class ResNetShortcutTests
{
    [Fact]
    public void PadShortcut_subsamples_then_zero_pads_channels_evenly()
    {
        using var shortcut = new ResNet.PadShortcut(2, 6, 2);
        using var x = torch.tensor(Enumerable.Range(0, 2 * 5 * 5).Select(i => (float)i).ToArray()).reshape(1, 2, 5, 5);
        using var y = shortcut.call(x);
        Assert.Equal([1L, 6, 3, 3], y.shape);
        using var expectedMiddle = x[.., .., TensorIndex.Slice(null, null, 2), TensorIndex.Slice(null, null, 2)];
        Assert.True(torch.equal(y[.., 2..4], expectedMiddle).all().item<bool>());
        Assert.Equal(0f, y[.., 0..2].abs().sum().item<float>());
        Assert.Equal(0f, y[.., 4..6].abs().sum().item<float>());
    }

    [Fact]
    public void PadShortcut_output_matches_the_strided_convolution_branch_on_odd_sides()
    {
        using var block = new ResNet.BasicBlock(16, 32, 2, projectionShortcut: false);
        block.eval();
        using var noGrad = torch.no_grad();
        using var y = block.call(torch.randn(1, 16, 7, 7));
        Assert.Equal([1L, 32, 4, 4], y.shape);
    }

    [Fact]
    public void PadShortcut_refuses_to_drop_channels()
    {
        var error = Assert.Throws<ArgumentException>(() => new ResNet.PadShortcut(32, 16, 2));
        Assert.Contains("32 -> 16", error.Message);
    }

    [Theory]
    [InlineData(19)]
    [InlineData(2)]
    [InlineData(0)]
    public void Cifar_depth_must_be_6n_plus_2(int depth)
    {
        var error = Assert.Throws<ArgumentException>(() => ResNet.Cifar(depth, 10));
        Assert.Contains($"must be 6n+2 (20, 32, 44, 56, 110) but was {depth}", error.Message);
    }

    [Theory]
    [InlineData(99)]
    [InlineData(4)]
    public void DenseNet_depth_must_be_6n_plus_4(int depth)
    {
        var error = Assert.Throws<ArgumentException>(() => new DenseNet(depth, 12, 10));
        Assert.Contains($"must be 6n+4 (40, 100, 190) but was {depth}", error.Message);
    }
}
