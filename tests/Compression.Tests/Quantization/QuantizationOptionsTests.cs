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
        { new QuantizationOptions { HistogramBins = 10 }, "HistogramBins" },
        { new QuantizationOptions { EntropyQuantizedBins = 4 }, "EntropyQuantizedBins" },
        { new QuantizationOptions { ExcludedNodes = ["conv1", " "] }, "ExcludedNodes" },
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
        Assert.Equal(CalibrationMethod.MinMax, options.Method);
        Assert.Equal(512, options.CalibrationCount);
        Assert.True(options.PerChannel);
        Assert.Equal(QuantizedActivationType.Int8, options.ActivationType);
        Assert.False(options.SymmetricActivations);
        Assert.False(options.QuantizeOutputs);
    }
}
