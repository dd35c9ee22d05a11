using EdgeToolkit.Training.Models;
using TorchSharp;

namespace EdgeToolkit.Training.Tests.Models;

/// <summary>State-dict keys are torchvision's (they become ONNX initializer names) and shapes follow the papers.</summary>
public sealed class StateDictNamingTests
{
    private static Dictionary<string, long[]> Shapes(torch.nn.Module model) =>
        model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);

    [Fact]
    public void ResNet20_uses_torchvision_names_and_parameter_free_shortcuts()
    {
        using var model = ResNet.Cifar(20, 10, 3);
        var keys = Shapes(model);
        Assert.Equal([16L, 3, 3, 3], keys["conv1.weight"]);
        Assert.Equal([16L], keys["bn1.running_var"]);
        Assert.Equal([16L, 16, 3, 3], keys["layer1.0.conv1.weight"]);
        Assert.Equal([32L, 16, 3, 3], keys["layer2.0.conv1.weight"]);
        Assert.Equal([64L], keys["layer3.2.bn2.bias"]);
        Assert.Equal([10L, 64], keys["fc.weight"]);
        Assert.DoesNotContain(keys.Keys, k => k.Contains("downsample", StringComparison.Ordinal) || k.StartsWith("layer4", StringComparison.Ordinal));
        Assert.Equal(3, model.Layers.Count);
        var first = (ResNet.BasicBlock)model.Layers[1].children().First();
        var shortcut = Assert.IsType<ResNet.PadShortcut>(first.Downsample);
        Assert.Equal((16, 32, 2, 8, 8), (shortcut.InChannels, shortcut.OutChannels, shortcut.Stride, shortcut.PadBefore, shortcut.PadAfter));
        Assert.Null(((ResNet.BasicBlock)model.Layers[0].children().First()).Downsample);
    }

    [Fact]
    public void ResNet18_has_four_stages_and_projection_downsample()
    {
        using var model = ResNet.ResNet18(10, 1);
        var keys = Shapes(model);
        Assert.Equal([64L, 1, 3, 3], keys["conv1.weight"]);
        Assert.Equal([128L, 64, 1, 1], keys["layer2.0.downsample.0.weight"]);
        Assert.Equal([128L], keys["layer2.0.downsample.1.running_mean"]);
        Assert.Equal([512L, 512, 3, 3], keys["layer4.1.conv2.weight"]);
        Assert.False(keys.ContainsKey("layer1.0.downsample.0.weight"));
        Assert.Equal([10L, 512], keys["fc.weight"]);
    }

    [Fact]
    public void DenseNet_BC_100_uses_torchvision_feature_names()
    {
        using var model = new DenseNet(100, 12, 10, 3);
        var keys = Shapes(model);
        Assert.Equal([24L, 3, 3, 3], keys["features.conv0.weight"]);
        Assert.Equal([24L], keys["features.denseblock1.denselayer1.norm1.weight"]);
        Assert.Equal([48L, 24, 1, 1], keys["features.denseblock1.denselayer1.conv1.weight"]);
        Assert.Equal([12L, 48, 3, 3], keys["features.denseblock1.denselayer1.conv2.weight"]);
        // block 1: 24 + 16*12 = 216 -> transition to 108; block 2: 108 + 192 = 300 -> 150; block 3: 150 + 192 = 342.
        Assert.Equal([108L, 216, 1, 1], keys["features.transition1.conv.weight"]);
        Assert.Equal([150L, 300, 1, 1], keys["features.transition2.conv.weight"]);
        Assert.Equal([12L, 48, 3, 3], keys["features.denseblock3.denselayer16.conv2.weight"]);
        Assert.False(keys.ContainsKey("features.denseblock3.denselayer17.conv2.weight"));
        Assert.Equal([342L], keys["features.norm5.running_mean"]);
        Assert.Equal([10L, 342], keys["classifier.weight"]);
        Assert.Equal([16, 16, 16], model.Blocks.Select(b => b.Layers.Count));
        Assert.Equal(342, model.Blocks[2].OutChannels);
    }

    [Fact]
    public void MobileNet_v1_uses_the_agreed_feature_names()
    {
        using var model = new MobileNetV1(10, 1.0, 3, 32);
        var keys = Shapes(model);
        Assert.Equal([32L, 3, 3, 3], keys["features.0.0.weight"]);
        Assert.Equal([32L], keys["features.0.1.running_var"]);
        Assert.Equal([32L, 1, 3, 3], keys["features.1.depthwise.weight"]);
        Assert.Equal([32L], keys["features.1.bn1.weight"]);
        Assert.Equal([64L, 32, 1, 1], keys["features.1.pointwise.weight"]);
        Assert.Equal([64L], keys["features.1.bn2.bias"]);
        Assert.Equal([1024L, 1024, 1, 1], keys["features.13.pointwise.weight"]);
        Assert.False(keys.ContainsKey("features.14.pointwise.weight"));
        Assert.Equal([10L, 1024], keys["classifier.weight"]);
        Assert.Equal([10L], keys["classifier.bias"]);
        Assert.Equal(13, model.Blocks.Count);
        Assert.Equal(13 * (2 + 2 * 5) + (1 + 5) + 2, keys.Count); // blocks: 2 convs + 2 BN x 5 (incl. num_batches_tracked); stem; classifier
    }

    [Fact]
    public void MobileNet_at_alpha_half_has_the_keys_and_shapes_of_any_other_built_at_half()
    {
        using var a = new MobileNetV1(10, 0.5, 3, 32);
        using var b = new MobileNetV1(10, 0.5, 3, 32);
        var sa = Shapes(a);
        var sb = Shapes(b);
        Assert.Equal(sa.Keys.Order(), sb.Keys.Order());
        foreach (var (key, shape) in sa)
            Assert.Equal(shape, sb[key]);
        Assert.Equal([32L, 16, 1, 1], sa["features.1.pointwise.weight"]);
        Assert.Equal([10L, 512], sa["classifier.weight"]);
    }
}
