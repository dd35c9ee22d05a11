using EdgeToolkit.Training.Training;

namespace EdgeToolkit.Training.Tests.Trainer;

public sealed class TrainerOptionsTests
{
    public static TheoryData<TrainerOptions, string> Invalid => new()
    {
        { new TrainerOptions { Epochs = 0 }, "Epochs" },
        { new TrainerOptions { BatchSize = 0 }, "BatchSize" },
        { new TrainerOptions { Optimizer = (OptimizerKind)9 }, "Optimizer" },
        { new TrainerOptions { LearningRate = 0 }, "LearningRate" },
        { new TrainerOptions { LearningRate = double.NaN }, "LearningRate" },
        { new TrainerOptions { Momentum = 1 }, "Momentum" },
        { new TrainerOptions { Momentum = -0.1 }, "Momentum" },
        { new TrainerOptions { Nesterov = true, Momentum = 0 }, "Nesterov" },
        { new TrainerOptions { Nesterov = true, Optimizer = OptimizerKind.Adam }, "Nesterov" },
        { new TrainerOptions { WeightDecay = -1 }, "WeightDecay" },
        { new TrainerOptions { Schedule = (LearningRateScheduleKind)5 }, "Schedule" },
        { new TrainerOptions { StepSize = 0 }, "StepSize" },
        { new TrainerOptions { Gamma = 0 }, "Gamma" },
        { new TrainerOptions { Gamma = 1.5 }, "Gamma" },
        { new TrainerOptions { Epochs = 3, WarmupEpochs = 3 }, "WarmupEpochs" },
        { new TrainerOptions { WarmupEpochs = -1 }, "WarmupEpochs" },
        { new TrainerOptions { LabelSmoothing = 1 }, "LabelSmoothing" },
        { new TrainerOptions { Threads = -1 }, "Threads" },
        { new TrainerOptions { OutputDir = " " }, "OutputDir" },
        { new TrainerOptions { RandomCropPadding = -2 }, "RandomCropPadding" },
        { new TrainerOptions { ProgressInterval = 0 }, "ProgressInterval" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_setting_is_named(TrainerOptions options, string setting)
    {
        var e = Assert.Throws<ArgumentException>(() => new Training.Trainer(options));
        Assert.Contains($"TrainerOptions.{setting}", e.Message);
        Assert.Equal(setting, e.ParamName);
    }

    [Fact]
    public void Defaults_are_valid()
    {
        var options = new TrainerOptions();
        Assert.Same(options, options.Validate());
    }
}
