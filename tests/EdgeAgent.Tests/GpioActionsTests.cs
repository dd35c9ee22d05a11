using System.Device.Gpio;
using EdgeToolkit.EdgeAgent.Gpio;
using EdgeToolkit.EdgeAgent.Hosting;
using EdgeToolkit.EdgeAgent.Observation;
using EdgeToolkit.EdgeAgent.Options;
using EdgeToolkit.EdgeAgent.Processing;
using EdgeToolkit.ModelBundle;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeToolkit.EdgeAgent.Tests;

/// <summary>GPIO rules through a fake <see cref="GpioDriver"/>: debounce, hold, cool-down, active-low, refused pins.</summary>
public class GpioActionsTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30); // safety net only
    private static readonly BundleManifest Manifest = new() { Labels = ["cat", "dog", "bird"], InputShape = [1, 1, 2, 2], Mean = [0f], Std = [1f] };
    private static long sequence;

    private static void Frame(GpioActions actions, string top, float p)
    {
        string other = top == "cat" ? "dog" : "cat";
        var prediction = new Prediction(Interlocked.Increment(ref sequence), [top, other], [p, 1 - p], [0, 1], 1);
        actions.OnFrame(new FrameObservation(prediction, default, Manifest, new float[4], [], Frames.FrameFormat.Encoded, 0, 0));
    }

    /// <summary>The actions on <paramref name="controller"/>, which the test keeps and disposes after them (so it sees what the actions themselves close).</summary>
    private static GpioActions Open(GpioController controller, params GpioRuleOptions[] rules) =>
        new(new GpioOptions { Rules = [.. rules] }, controller, NullLogger<GpioActions>.Instance);

    [Fact]
    public void Pin_goes_high_after_n_consecutive_frames_then_low_after_the_hold_and_waits_out_the_cooldown()
    {
        using var driver = new FakeGpioDriver();
        using var controller = new GpioController(driver);
        using var actions = Open(controller, new GpioRuleOptions { Label = "cat", MinProbability = 0.8, ConsecutiveFrames = 3, Pin = 17, HoldMilliseconds = 100, CooldownMilliseconds = 60_000 });
        Assert.Equal([(17, PinValue.Low)], driver.Snapshot()); // opened inactive
        Frame(actions, "cat", 0.9f);
        Frame(actions, "cat", 0.9f);
        Frame(actions, "cat", 0.7f); // below: the streak starts again
        Frame(actions, "cat", 0.9f);
        Frame(actions, "dog", 0.9f);
        Frame(actions, "cat", 0.9f);
        Frame(actions, "cat", 0.9f);
        Assert.Single(driver.Snapshot());
        Frame(actions, "cat", 0.95f); // third in a row
        Assert.Equal((17, PinValue.High), driver.Snapshot()[^1]);
        Assert.True(SpinWait.SpinUntil(() => driver.Snapshot()[^1] == (17, PinValue.Low), HangGuard), "released after the hold");
        for (int i = 0; i < 5; i++) Frame(actions, "cat", 0.99f); // cooling down: nothing
        Assert.Equal([(17, PinValue.Low), (17, PinValue.High), (17, PinValue.Low)], driver.Snapshot());
        Assert.Equal([1L], actions.Activations);
    }

    [Fact]
    public void Passing_frames_extend_the_hold_and_active_low_pins_invert()
    {
        using var driver = new FakeGpioDriver();
        using var controller = new GpioController(driver);
        using (var actions = Open(controller, new GpioRuleOptions { Label = "dog", MinProbability = 0.5, ConsecutiveFrames = 1, Pin = 27, HoldMilliseconds = 60_000, ActiveLow = true }))
        {
            for (int i = 0; i < 10; i++) Frame(actions, "dog", 0.6f);
            Assert.Equal([(27, PinValue.High), (27, PinValue.Low)], driver.Snapshot()); // one activation, held
            Assert.Contains(27, driver.Open);
        }
        Assert.Equal((27, PinValue.High), driver.Snapshot()[^1]); // disposed: inactive (high for active-low)
        Assert.DoesNotContain(27, driver.Open);
    }

    [Fact]
    public void Without_cooldown_the_pin_fires_again()
    {
        using var driver = new FakeGpioDriver();
        using var controller = new GpioController(driver);
        using var actions = Open(controller, new GpioRuleOptions { Label = "cat", MinProbability = 0.5, ConsecutiveFrames = 1, Pin = 5, HoldMilliseconds = 20 });
        Frame(actions, "cat", 0.9f);
        Assert.True(SpinWait.SpinUntil(() => driver.Snapshot()[^1] == (5, PinValue.Low), HangGuard));
        Frame(actions, "cat", 0.9f);
        Assert.Equal([2L], actions.Activations);
    }

    [Theory]
    [InlineData(40, "EdgeAgent:Gpio:Rules:0:Pin 40 does not exist on this GPIO chip (28 lines: 0-27)")]
    [InlineData(3, "EdgeAgent:Gpio:Rules:0:Pin 3 cannot be an output on this board")]
    public void A_pin_the_board_cannot_drive_is_refused_naming_the_setting(int pin, string message)
    {
        using var driver = new FakeGpioDriver(28, inputOnly: 3);
        using var controller = new GpioController(driver);
        var e = Assert.Throws<OptionsValidationException>(() => Open(controller, new GpioRuleOptions { Label = "cat", Pin = pin }));
        Assert.Contains(message, e.Failures);
    }

    [Theory]
    [InlineData("EdgeAgent:Gpio:Rules:0:Label=cat", "EdgeAgent:Gpio:Rules:0:Pin -1 must be a GPIO line number")]
    [InlineData("EdgeAgent:Gpio:Rules:0:Pin=17", "EdgeAgent:Gpio:Rules:0:Label is required")]
    [InlineData("EdgeAgent:Gpio:Rules:0:Label=cat|EdgeAgent:Gpio:Rules:0:Pin=17|EdgeAgent:Gpio:Rules:0:MinProbability=0", "EdgeAgent:Gpio:Rules:0:MinProbability 0 must be above 0 and at most 1")]
    [InlineData("EdgeAgent:Gpio:Rules:0:Label=cat|EdgeAgent:Gpio:Rules:0:Pin=17|EdgeAgent:Gpio:Rules:0:ConsecutiveFrames=0", "EdgeAgent:Gpio:Rules:0:ConsecutiveFrames 0 must be between 1 and 10000")]
    [InlineData("EdgeAgent:Gpio:Rules:0:Label=cat|EdgeAgent:Gpio:Rules:0:Pin=17|EdgeAgent:Gpio:Rules:0:HoldMilliseconds=0", "EdgeAgent:Gpio:Rules:0:HoldMilliseconds 0 must be between 1 and 3600000")]
    [InlineData("EdgeAgent:Gpio:Rules:0:Label=cat|EdgeAgent:Gpio:Rules:0:Pin=17|EdgeAgent:Gpio:Rules:1:Label=dog|EdgeAgent:Gpio:Rules:1:Pin=17", "EdgeAgent:Gpio:Rules:1:Pin 17 is already driven by EdgeAgent:Gpio:Rules:0")]
    public async Task Invalid_rules_are_refused_at_start_naming_the_setting(string settings, string expected)
    {
        var args = new List<string> { "--EdgeAgent:Bundle=/nonexistent/bundle", "--EdgeAgent:Metrics:PrometheusEnabled=false", "--EdgeAgent:Metrics:HealthEnabled=false" };
        args.AddRange(settings.Split('|').Select(s => "--" + s));
        using var host = AgentHost.CreateBuilder([.. args]).Build();
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(e.Failures, f => f.Contains(expected, StringComparison.Ordinal));
    }
}
