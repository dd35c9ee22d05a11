namespace EdgeToolkit.EdgeAgent.Options;

/// <summary>GPIO outputs driven by predictions (<c>EdgeAgent:Gpio</c>); no rules = GPIO untouched.</summary>
public sealed class GpioOptions
{
    /// <summary>The gpiochip number (libgpiod); null lets System.Device.Gpio choose the board's driver (gpiochip0 on a Pi 4, the RP1 chip on a Pi 5).</summary>
    public int? Chip { get; set; }

    /// <summary>The rules, each driving its own pin.</summary>
    public List<GpioRuleOptions> Rules { get; set; } = [];
}
