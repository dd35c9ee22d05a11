using EdgeToolkit.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Training.Tests.Models;

public sealed class ModelComplexityTests
{
    [Fact]
    public void Counts_conv_and_linear_macs_by_hand()
    {
        // conv 3->8, 3x3, pad 1 at 16x16: 8*16*16*3*9 = 55,296; linear 8->10: 80.
        using var model = nn.Sequential(
            nn.Conv2d(3, 8, kernel_size: 3, padding: 1),
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(8, 10));
        var result = ModelComplexity.Measure(model, 3, 16, 16);
        Assert.Equal(55_296 + 80, result.Macs);
        Assert.Equal((8 * 27 + 8) + (8 + 8) + (80 + 10), result.Parameters);
    }

    [Fact]
    public void Depthwise_and_strided_convolutions_count_per_group_and_output_pixel()
    {
        // depthwise 16ch 3x3 stride 2 pad 1 at 9x9 -> 5x5: 16*25*1*9 = 3,600; pointwise 16->4: 4*25*16 = 1,600.
        using var model = nn.Sequential(
            nn.Conv2d(16, 16, kernel_size: 3, stride: 2, padding: 1, groups: 16, bias: false),
            nn.Conv2d(16, 4, kernel_size: 1, bias: false));
        var result = ModelComplexity.Measure(model, 16, 9, 9);
        Assert.Equal(3_600 + 1_600, result.Macs);
        Assert.Equal(16 * 9 + 16 * 4, result.Parameters);
    }

    [Fact]
    public void Measuring_restores_training_mode_and_removes_its_hooks()
    {
        using var model = new MobileNetV1(10, 0.25, 1, 32);
        model.train();
        var first = ModelComplexity.Measure(model, 1, 32, 32);
        Assert.True(model.training);
        var second = ModelComplexity.Measure(model, 1, 32, 32);
        Assert.Equal(first, second); // leftover hooks would double the count

        model.eval();
        ModelComplexity.Measure(model, 1, 32, 32);
        Assert.False(model.training);
    }

    [Fact]
    public void MobileNet_macs_scale_with_the_input_area()
    {
        using var model = new MobileNetV1(10, 0.5, 3, 224);
        long classifier = 512 * 10;
        var at224 = ModelComplexity.Measure(model, 3, 224, 224).Macs - classifier;
        var at448 = ModelComplexity.Measure(model, 3, 448, 448).Macs - classifier;
        Assert.Equal(4 * at224, at448);
    }

    [Fact]
    public void Invalid_input_shape_is_refused()
    {
        using var model = new MobileNetV1(10, 0.25, 1, 32);
        var error = Assert.Throws<ArgumentException>(() => ModelComplexity.Measure(model, 1, 0, 32));
        Assert.Contains("1x0x32", error.Message);
    }
}
