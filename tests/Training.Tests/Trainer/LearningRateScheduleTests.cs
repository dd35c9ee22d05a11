using EdgeToolkit.Training.Training;

namespace EdgeToolkit.Training.Tests.Trainer;

public sealed class LearningRateScheduleTests
{
    [Fact]
    public void Warmup_rises_linearly_then_cosine_decays_to_zero()
    {
        var schedule = new LearningRateSchedule(new TrainerOptions { Epochs = 5, WarmupEpochs = 1, LearningRate = 0.1 }, stepsPerEpoch: 10);

        Assert.Equal(0.01, schedule.At(0), 12);
        Assert.Equal(0.1, schedule.At(9), 12);
        Assert.Equal(0.1, schedule.At(10), 12);
        Assert.Equal(0.05, schedule.At(30), 12); // half way through the 40 cosine steps
        Assert.True(schedule.At(49) < 0.001);
        Assert.True(schedule.At(20) > schedule.At(21));
    }

    [Fact]
    public void One_cycle_rises_from_a_25th_to_the_peak_over_30_percent_then_falls_to_its_end_on_the_last_step()
    {
        // PyTorch: OneCycleLR(max_lr=0.4, total_steps=100) gives 0.016 at step 0, 0.4 at step 29, 1.6e-6 at step 99.
        var schedule = new LearningRateSchedule(new TrainerOptions
        {
            Epochs = 10, Schedule = LearningRateScheduleKind.OneCycle, LearningRate = 0.4, WarmupEpochs = 2,
        }, stepsPerEpoch: 10);

        Assert.Equal(0.016, schedule.At(0), 12);
        Assert.Equal(0.4, schedule.At(29), 12);
        Assert.Equal(0.4 / 25 / 1e4, schedule.At(99), 12);
        for (int s = 1; s < 100; s++)
            Assert.True(s <= 29 ? schedule.At(s) > schedule.At(s - 1) : schedule.At(s) < schedule.At(s - 1), $"step {s}");
    }

    [Fact]
    public void Step_schedule_multiplies_by_gamma_every_step_size_epochs()
    {
        var schedule = new LearningRateSchedule(new TrainerOptions
        {
            Epochs = 10, Schedule = LearningRateScheduleKind.Step, StepSize = 3, Gamma = 0.1, LearningRate = 1,
        }, stepsPerEpoch: 4);

        Assert.Equal(1, schedule.At(0), 12);
        Assert.Equal(1, schedule.At(11), 12);
        Assert.Equal(0.1, schedule.At(12), 12);
        Assert.Equal(0.01, schedule.At(24), 12);
    }

    [Fact]
    public void Multi_step_schedule_multiplies_by_gamma_at_each_milestone_epoch()
    {
        // The ResNet paper: 0.1, /10 at epochs 82 and 123 (here with 10 steps an epoch).
        var schedule = new LearningRateSchedule(new TrainerOptions
        {
            Epochs = 164, Schedule = LearningRateScheduleKind.MultiStep, Milestones = [82, 123], Gamma = 0.1, LearningRate = 0.1,
        }, stepsPerEpoch: 10);

        Assert.Equal(0.1, schedule.At(0), 12);
        Assert.Equal(0.1, schedule.At(819), 12);
        Assert.Equal(0.01, schedule.At(820), 12);
        Assert.Equal(0.001, schedule.At(1230), 12);
        Assert.Equal(0.001, schedule.At(1639), 12);
    }

    [Theory]
    [InlineData(new[] { 5, 3 })]
    [InlineData(new[] { 0 })]
    [InlineData(new int[0])]
    public void Multi_step_milestones_must_be_ascending_epochs(int[] milestones)
    {
        var e = Assert.Throws<ArgumentException>(() => new TrainerOptions { Schedule = LearningRateScheduleKind.MultiStep, Milestones = milestones }.Validate());
        Assert.StartsWith("TrainerOptions.Milestones must be", e.Message, StringComparison.Ordinal);
    }
}
