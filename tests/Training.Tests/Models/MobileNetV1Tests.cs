using EdgeToolkit.Training.Models;

namespace EdgeToolkit.Training.Tests.Models;

public sealed class MobileNetV1Tests
{
    [Theory]
    [InlineData(32.0, 32)]
    [InlineData(24.0, 24)]
    [InlineData(11.2, 16)] // 8 would lose more than 10%
    [InlineData(3.0, 8)]
    [InlineData(12.0, 16)] // ties round up, as int(v + 4) // 8 * 8 does
    [InlineData(768.0, 768)]
    [InlineData(1024 * 0.3, 304)]
    public void MakeDivisible_matches_torchvision(double value, int expected) =>
        Assert.Equal(expected, MobileNetV1.MakeDivisible(value, 8));

    [Theory]
    [InlineData(1.0, new[] { 32, 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024 })]
    [InlineData(0.5, new[] { 16, 32, 64, 64, 128, 128, 256, 256, 256, 256, 256, 256, 512, 512 })]
    [InlineData(0.25, new[] { 8, 16, 32, 32, 64, 64, 128, 128, 128, 128, 128, 128, 256, 256 })]
    public void Channels_follow_the_paper_times_alpha(double alpha, int[] expected) =>
        Assert.Equal(expected, MobileNetV1.Channels(alpha));

    [Theory]
    [InlineData(224, 2)]
    [InlineData(65, 2)]
    [InlineData(64, 1)]
    [InlineData(32, 1)]
    public void Stem_stride_is_one_for_small_inputs(int inputSize, int stemStride)
    {
        var strides = MobileNetV1.Strides(inputSize);
        Assert.Equal(stemStride, strides[0]);
        Assert.Equal(new[] { 1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1 }, strides.Skip(1));
        using var model = new MobileNetV1(10, 0.25, 3, inputSize);
        Assert.Equal([(long)stemStride, stemStride], model.Stem.children().OfType<TorchSharp.Modules.Conv2d>().Single().stride);
    }

    [Fact]
    public void A_32x32_input_ends_at_2x2()
    {
        using var model = new MobileNetV1(10, 0.25, 1, 32);
        model.eval();
        using var noGrad = TorchSharp.torch.no_grad();
        using var features = model.Features.call(TorchSharp.torch.zeros(1, 1, 32, 32));
        Assert.Equal([1L, 256, 2, 2], features.shape);
    }

    [Fact]
    public void Blocks_expose_their_hyper_parameters()
    {
        using var model = new MobileNetV1(10, 0.5, 3, 224);
        var block = model.Blocks[1];
        Assert.Equal((32, 64, 2), (block.InChannels, block.OutChannels, block.Stride));
        Assert.Equal(32, block.Depthwise.weight!.shape[0]);
        Assert.Equal([64L, 32, 1, 1], block.Pointwise.weight!.shape);
        Assert.Equal(0.5, model.Alpha);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.5)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    public void Alpha_outside_0_1_is_refused(double alpha)
    {
        var error = Assert.Throws<ArgumentException>(() => new MobileNetV1(10, alpha));
        Assert.Contains("alpha must be in (0, 1]", error.Message);
    }
}
