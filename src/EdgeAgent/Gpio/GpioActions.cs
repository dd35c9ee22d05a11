using System.Device.Gpio;
using System.Diagnostics.CodeAnalysis;
using EdgeToolkit.EdgeAgent.Observation;
using EdgeToolkit.EdgeAgent.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeToolkit.EdgeAgent.Gpio;

/// <summary>
/// Drives GPIO outputs from predictions (<see cref="GpioOptions"/>): each rule counts consecutive frames in which
/// its label reaches its probability; at <see cref="GpioRuleOptions.ConsecutiveFrames"/> the pin goes active for
/// <see cref="GpioRuleOptions.HoldMilliseconds"/> (each further passing frame extends it), then inactive, and
/// stays so for the cool-down. Pins are opened as outputs (inactive) at start; a pin the board does not have or
/// cannot drive refuses the start naming the rule. Writing a line is one ioctl, done on the inference thread; the
/// release runs on a timer.
/// </summary>
public sealed class GpioActions : IFrameObserver, IDisposable
{
    private readonly GpioController controller;
    private readonly bool ownsController;
    private readonly RuleState[] rules;
    private readonly ILogger logger;
    private bool labelsChecked;

    /// <summary>Opens every rule's pin on <paramref name="controller"/> as an inactive output.</summary>
    /// <exception cref="OptionsValidationException">A pin does not exist or cannot be an output; the message names the rule's setting.</exception>
    public GpioActions(GpioOptions options, GpioController controller, ILogger<GpioActions> logger, bool ownsController = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(controller);
        this.controller = controller;
        this.ownsController = ownsController;
        this.logger = logger;
        var failures = new List<string>();
        var opened = new List<RuleState>();
        for (int i = 0; i < options.Rules.Count; i++)
        {
            var rule = options.Rules[i];
            string setting = $"{AgentOptions.SectionName}:Gpio:Rules:{i}:Pin";
            try
            {
                if (rule.Pin >= controller.PinCount)
                {
                    failures.Add($"{setting} {rule.Pin} does not exist on this GPIO chip ({controller.PinCount} lines: 0-{controller.PinCount - 1})");
                    continue;
                }
                if (!controller.IsPinModeSupported(rule.Pin, PinMode.Output))
                {
                    failures.Add($"{setting} {rule.Pin} cannot be an output on this board");
                    continue;
                }
                controller.OpenPin(rule.Pin, PinMode.Output, RuleState.InactiveOf(rule));
                opened.Add(new RuleState(i, rule, this));
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException or ArgumentException or PlatformNotSupportedException)
            {
                failures.Add($"{setting} {rule.Pin} cannot be opened as an output: {e.Message}");
            }
        }
        rules = [.. opened];
        if (failures.Count > 0)
        {
            Dispose();
            throw new OptionsValidationException(AgentOptions.SectionName, typeof(AgentOptions), failures);
        }
        foreach (var r in rules)
            logger.LogInformation("GPIO {Pin}: active{Low} for {Hold} ms when {Label} >= {Probability:P0} in {Frames} frame(s) in a row, cool-down {Cooldown} ms",
                r.Rule.Pin, r.Rule.ActiveLow ? " (low)" : "", r.Rule.HoldMilliseconds, r.Rule.Label, r.Rule.MinProbability, r.Rule.ConsecutiveFrames, r.Rule.CooldownMilliseconds);
    }

    /// <summary>
    /// Opens the board's GPIO controller (<see cref="GpioOptions.Chip"/> through libgpiod, or the driver
    /// System.Device.Gpio chooses) and the rules' pins; a board without GPIO refuses the start naming the setting.
    /// </summary>
    public static GpioActions Open(GpioOptions options, ILogger<GpioActions> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        GpioController controller;
        try
        {
            controller = options.Chip is int chip ? OpenChip(chip) : new GpioController();
        }
        catch (Exception e) when (e is PlatformNotSupportedException or InvalidOperationException or IOException or UnauthorizedAccessException or DllNotFoundException or TypeInitializationException)
        {
            throw new OptionsValidationException(AgentOptions.SectionName, typeof(AgentOptions),
                [$"{AgentOptions.SectionName}:Gpio:Rules are set but no GPIO controller opens{(options.Chip is int c ? $" (EdgeAgent:Gpio:Chip {c})" : "")}: {e.Message}"]);
        }
        return new GpioActions(options, controller, logger, ownsController: true);
    }

    [SuppressMessage("Reliability", "CA2000:Dispose objects before losing scope", Justification = "The controller owns the driver and disposes it with itself (GpioController.Dispose); it is disposed here only when the controller does not open.")]
    private static GpioController OpenChip(int chip)
    {
        var driver = new System.Device.Gpio.Drivers.LibGpiodDriver(chip);
        try
        {
            return new GpioController(driver);
        }
        catch
        {
            driver.Dispose();
            throw;
        }
    }

    /// <summary>Times each rule's pin went active since start, in rule order.</summary>
    public IReadOnlyList<long> Activations => rules.Select(r => r.Activations).ToArray();

    /// <inheritdoc />
    public bool WantsFrameBytes(long sequence) => false;

    /// <inheritdoc />
    public void OnFrame(in FrameObservation frame)
    {
        if (!labelsChecked)
        {
            labelsChecked = true;
            foreach (var r in rules)
                if (!frame.Manifest.Labels.Contains(r.Rule.Label))
                    logger.LogError("{Setting} '{Label}' is not one of the model's labels ({Labels}); the rule never fires",
                        $"{AgentOptions.SectionName}:Gpio:Rules:{r.Index}:Label", r.Rule.Label, string.Join(", ", frame.Manifest.Labels));
        }
        var labels = frame.Prediction.Labels;
        var probabilities = frame.Prediction.Probabilities;
        foreach (var r in rules)
        {
            float p = 0;
            for (int i = 0; i < labels.Length; i++)
                if (labels[i] == r.Rule.Label) { p = probabilities[i]; break; }
            r.Observe(p >= r.Rule.MinProbability);
        }
    }

    /// <summary>Sets every pin inactive and closes it.</summary>
    public void Dispose()
    {
        foreach (var r in rules) r.Dispose();
        if (ownsController) controller.Dispose();
    }

    private void Write(int pin, PinValue value)
    {
        try
        {
            controller.Write(pin, value);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            logger.LogWarning("GPIO {Pin}: write failed: {Error}", pin, e.Message);
        }
    }

    /// <summary>One rule's streak, pin state, release timer and cool-down; disposing it sets the pin inactive and closes it.</summary>
    private sealed class RuleState : IDisposable
    {
        private readonly Lock gate = new();
        private readonly int index;
        private readonly GpioRuleOptions rule;
        private readonly GpioActions owner;
        private readonly Timer release;
        private int streak;
        private bool active;
        private bool closed;
        private long coolUntil;
        private long activations;

        public RuleState(int index, GpioRuleOptions rule, GpioActions owner)
        {
            this.index = index;
            this.rule = rule;
            this.owner = owner;
            release = new Timer(static s => ((RuleState)s!).Release(), this, Timeout.Infinite, Timeout.Infinite);
        }

        public int Index => index;

        public GpioRuleOptions Rule => rule;

        public long Activations => Interlocked.Read(ref activations);

        public PinValue Active => rule.ActiveLow ? PinValue.Low : PinValue.High;

        public PinValue Inactive => InactiveOf(rule);

        /// <summary>The level of <paramref name="rule"/>'s pin when it is not active (high for an active-low pin).</summary>
        public static PinValue InactiveOf(GpioRuleOptions rule) => rule.ActiveLow ? PinValue.High : PinValue.Low;

        public void Observe(bool passes)
        {
            streak = passes ? streak + 1 : 0;
            if (streak < rule.ConsecutiveFrames) return;
            lock (gate)
            {
                if (closed) return;
                if (!active)
                {
                    if (Environment.TickCount64 < coolUntil) return;
                    active = true;
                    Interlocked.Increment(ref activations);
                    owner.Write(rule.Pin, Active);
                }
                release.Change(rule.HoldMilliseconds, Timeout.Infinite); // (re)start the hold
            }
        }

        private void Release()
        {
            lock (gate)
            {
                if (!active || closed) return;
                active = false;
                coolUntil = Environment.TickCount64 + rule.CooldownMilliseconds;
                owner.Write(rule.Pin, Inactive);
            }
        }

        public void Dispose()
        {
            lock (gate)
            {
                if (closed) return;
                closed = true;
                release.Dispose();
                owner.Write(rule.Pin, Inactive);
                try { owner.controller.ClosePin(rule.Pin); }
                catch (Exception e) when (e is InvalidOperationException or IOException) { }
            }
        }
    }
}
