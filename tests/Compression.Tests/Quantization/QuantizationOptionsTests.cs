using EdgeToolkit.Compression.Quantization;

namespace EdgeToolkit.Compression.Tests.Quantization;

public class QuantizationOptionsTests
{
    public static TheoryData<QuantizationOptions, string> InvalidOptions => new()
    {
        { new QuantizationOptions { Percentile = 50 }, "Percentile" },
        { new QuantizationOptions { Percentile = 100.5 }, "Percentile" },
        { new QuantizationOptions { Percentile = double.NaN }, "Percentile" },
        { new QuantizationOptions { CalibrationCount = 0 }, "CalibrationCount" },
        { new QuantizationOptions { Method = (CalibrationMethod)7 }, "Method" },
        { new QuantizationOptions { ActivationType = (QuantizedActivationType)9 }, "ActivationType" },
        { new QuantizationOptions { Target = (QuantizationTarget)9 }, "Target" },
        { new QuantizationOptions { HistogramBins = 10 }, "HistogramBins" },
        { new QuantizationOptions { EntropyQuantizedBins = 4 }, "EntropyQuantizedBins" },
        { new QuantizationOptions { ExcludedNodes = ["conv1", " "] }, "ExcludedNodes" },
        { new QuantizationOptions { FloatLayers = (FloatLayers)8 }, "FloatLayers" },
        { new QuantizationOptions { SqnrSamples = -1 }, "SqnrSamples" },
        { new QuantizationOptions { MaxAccuracyDrop = -0.5 }, "MaxAccuracyDrop" },
        { new QuantizationOptions { MaxAccuracyDrop = double.NaN }, "MaxAccuracyDrop" },
        { new QuantizationOptions { MaxAccuracyDrop = 1, SqnrSamples = 0 }, "SqnrSamples" },
        { new QuantizationOptions { CorrectBias = true, SqnrSamples = 0 }, "SqnrSamples" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Validate_NamesTheBadSetting(QuantizationOptions options, string setting)
    {
        var e = Assert.Throws<ArgumentException>(() => options.Validate());
        Assert.Equal(setting, e.ParamName);
        Assert.Contains(setting, e.Message);
        Assert.Throws<ArgumentException>(() => new QdqQuantizer(options));
    }

    [Fact]
    public void Defaults_AreValid_AndMatchTheDocumentedDefaults()
    {
        var options = QuantizationOptions.Default.Validate();
        Assert.Equal(CalibrationMethod.Percentile, options.Method);
        Assert.Equal(99.999, options.Percentile);
        Assert.Equal(512, options.CalibrationCount);
        Assert.True(options.PerChannel);
        Assert.Equal(QuantizedActivationType.Auto, options.ActivationType);
        Assert.Equal(QuantizationTarget.Host, options.Target);
        Assert.False(options.SymmetricActivations);
        Assert.False(options.QuantizeOutputs);
        Assert.Equal(FloatLayers.Auto, options.FloatLayers);
        Assert.False(options.EqualizeLayers);
        Assert.False(options.ReduceWeightRange);
    }

    [Theory]
    [InlineData("first-conv", FloatLayers.FirstConv)]
    [InlineData("classifier,first-conv", FloatLayers.FirstConv | FloatLayers.Classifier)]
    [InlineData(" Classifier ", FloatLayers.Classifier)]
    [InlineData("none", FloatLayers.None)]
    [InlineData("auto", FloatLayers.Auto)]
    [InlineData("auto,classifier", FloatLayers.Auto | FloatLayers.Classifier)]
    public void FloatLayerNames_ParseAndFormatRoundTrip(string names, FloatLayers expected)
    {
        var layers = FloatLayerNames.Parse(names.Split(','), "--float-layers");
        Assert.Equal(expected, layers);
        Assert.Equal(expected, FloatLayerNames.Parse(FloatLayerNames.Format(layers).Split(','), "--float-layers"));
    }

    [Theory]
    [InlineData("first_conv", "'first_conv' is not one of auto, first-conv, classifier, none")]
    [InlineData("none,classifier", "'none' cannot be combined")]
    public void FloatLayerNames_BadName_NamesTheSettingAndValue(string names, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => FloatLayerNames.Parse(names.Split(','), "floatLayers"));
        Assert.Equal("floatLayers", e.ParamName);
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData(FloatLayers.Auto, QuantizationTarget.X64, FloatLayers.None)]
    [InlineData(FloatLayers.Auto, QuantizationTarget.X64Vnni, FloatLayers.None)]
    [InlineData(FloatLayers.Auto, QuantizationTarget.Arm64, FloatLayers.None)]
    [InlineData(FloatLayers.Auto, QuantizationTarget.Arm64DotProduct, FloatLayers.None)]
    [InlineData(FloatLayers.Auto | FloatLayers.Classifier, QuantizationTarget.X64Vnni, FloatLayers.Classifier)]
    [InlineData(FloatLayers.FirstConv, QuantizationTarget.X64Vnni, FloatLayers.FirstConv)]
    [InlineData(FloatLayers.FirstConv, QuantizationTarget.X64, FloatLayers.FirstConv)]
    public void AutoFloatLayers_QuantizeTheStemOnEveryTarget_NowThatX64WeightsAre7Bit(FloatLayers layers, QuantizationTarget target, FloatLayers expected)
    {
        Assert.Equal(expected, FloatLayerNames.Resolve(layers));
        var result = new QdqQuantizer(new QuantizationOptions { FloatLayers = layers, Target = target, CalibrationCount = 4, SqnrSamples = 0 })
            .Quantize(TinyOnnxModels.Chain(), QdqQuantizerTests.Calibration(4));
        Assert.Equal(expected, result.FloatLayers);
        Assert.Equal(expected.HasFlag(FloatLayers.FirstConv), result.FloatNodes.Contains("conv0"));
    }
}
