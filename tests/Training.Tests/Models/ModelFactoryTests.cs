using EdgeToolkit.Training.Models;

namespace EdgeToolkit.Training.Tests.Models;

public sealed class ModelFactoryTests
{
    [Theory]
    [InlineData("resnet20", typeof(ResNet))]
    [InlineData("ResNet56", typeof(ResNet))]
    [InlineData("resnet18", typeof(ResNet))]
    [InlineData("densenet-bc-40", typeof(DenseNet))]
    [InlineData("mobilenet_v1", typeof(MobileNetV1))]
    public void Known_names_build_their_class(string name, Type expected)
    {
        using var model = ModelFactory.Create(new ModelSpec(name, 10, 1, 32));
        Assert.IsType(expected, model);
    }

    [Fact]
    public void Every_known_architecture_has_the_family_of_the_class_it_builds()
    {
        foreach (string name in ModelFactory.Architectures)
        {
            var expected = name.StartsWith("mobilenet", StringComparison.Ordinal) ? ArchitectureFamily.MobileNet
                : name.StartsWith("densenet", StringComparison.Ordinal) ? ArchitectureFamily.DenseNet : ArchitectureFamily.ResNet;
            Assert.Equal(expected, ModelFactory.Family(name));
        }
        Assert.Equal(ArchitectureFamily.MobileNet, ModelFactory.Family(" MobileNet_V1 "));
        Assert.Null(ModelFactory.Family("vgg16"));
        Assert.Null(ModelFactory.Family(null));
    }

    [Fact]
    public void Spec_settings_reach_the_model()
    {
        using var mobileNetModel = ModelFactory.Create(new ModelSpec("mobilenet_v1", 5, 1, 28, 0.75));
        var mobileNet = Assert.IsType<MobileNetV1>(mobileNetModel);
        Assert.Equal((0.75, 1, 28, 5), (mobileNet.Alpha, mobileNet.InputChannels, mobileNet.InputSize, mobileNet.NumClasses));
        using var denseNetModel = ModelFactory.Create(new ModelSpec("densenet-bc-40", 3, 3, 32) { GrowthRate = 8, Depth = 40 });
        var denseNet = Assert.IsType<DenseNet>(denseNetModel);
        Assert.Equal((40, 8), (denseNet.Depth, denseNet.GrowthRate));
    }

    public static TheoryData<ModelSpec, string> InvalidSpecs() => new()
    {
        { new ModelSpec("vgg16", 10, 3, 32), "ModelSpec.Architecture 'vgg16' is unknown; known architectures: resnet20, resnet32, resnet44, resnet56, resnet110, resnet18, densenet-bc-100, densenet-bc-40, mobilenet_v1." },
        { new ModelSpec("", 10, 3, 32), "ModelSpec.Architecture is empty" },
        { new ModelSpec("resnet21", 10, 3, 32), "ModelSpec.Architecture 'resnet21' is unknown" },
        { new ModelSpec("mobilenet_v1", 10, 3, 32, 0), "ModelSpec.Alpha must be in (0, 1] but was 0." },
        { new ModelSpec("mobilenet_v1", 10, 3, 32, 1.5), "ModelSpec.Alpha must be in (0, 1] but was 1.5." },
        { new ModelSpec("mobilenet_v1", 10, 3, 32, double.NaN), "ModelSpec.Alpha must be in (0, 1] but was NaN." },
        { new ModelSpec("resnet20", 10, 3, 32, 0.5), "ModelSpec.Alpha applies only to mobilenet_v1; it must be 1 for 'resnet20' but was 0.5." },
        { new ModelSpec("resnet20", 10, 2, 32), "ModelSpec.InputChannels must be 1 or 3 but was 2." },
        { new ModelSpec("resnet20", 10, 0, 32), "ModelSpec.InputChannels must be 1 or 3 but was 0." },
        { new ModelSpec("resnet20", 10, 3, 7), "ModelSpec.InputSize must be at least 8 pixels but was 7." },
        { new ModelSpec("resnet20", 1, 3, 32), "ModelSpec.NumClasses must be at least 2 but was 1." },
        { new ModelSpec("resnet20", 10, 3, 32) { GrowthRate = 12 }, "ModelSpec.GrowthRate applies only to DenseNet; it must be 0 for 'resnet20' but was 12." },
        { new ModelSpec("densenet-bc-40", 10, 3, 32) { GrowthRate = -1 }, "ModelSpec.GrowthRate must be >= 0 (0 = default) but was -1." },
        { new ModelSpec("resnet20", 10, 3, 32) { Depth = 56 }, "ModelSpec.Depth 56 contradicts architecture 'resnet20' (depth 20); leave it 0 or set 20." },
        { new ModelSpec("mobilenet_v1", 10, 3, 32) { Depth = 28 }, "ModelSpec.Depth does not apply to mobilenet_v1 (was 28); leave it 0." },
    };

    [Theory]
    [MemberData(nameof(InvalidSpecs))]
    public void Invalid_specs_are_refused_naming_the_setting(ModelSpec spec, string expectedMessage)
    {
        var error = Assert.Throws<ArgumentException>(() => ModelFactory.Create(spec));
        Assert.StartsWith(expectedMessage, error.Message);
    }

    [Fact]
    public void Summaries_list_every_architecture_and_each_mobilenet_width()
    {
        var rows = ModelFactory.Summaries(1, 32, 10);
        Assert.Equal(ModelFactory.Architectures.Count + ModelFactory.ListedAlphas.Count - 1, rows.Count);
        Assert.Equal(ModelFactory.Architectures, rows.Select(r => r.Architecture).Distinct());
        Assert.All(rows, r => Assert.True(r.Parameters > 0 && r.Macs > 0 && r.Description.Length > 0, r.ToString()));
        var mobileNets = rows.Where(r => r.Architecture == "mobilenet_v1").ToArray();
        Assert.Equal([1.0, 0.75, 0.5, 0.25], mobileNets.Select(r => r.Alpha));
        Assert.True(mobileNets.Zip(mobileNets.Skip(1)).All(p => p.First.Macs > p.Second.Macs), "MACs must fall with alpha");
        Assert.Equal(269_722 - 2 * 16 * 9, rows.Single(r => r.Architecture == "resnet20").Parameters); // 1 input channel: stem loses 2*16*9 weights
    }
}
