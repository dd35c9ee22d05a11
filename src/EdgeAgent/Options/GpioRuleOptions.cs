namespace EdgeToolkit.EdgeAgent.Options;

/// <summary>
/// One GPIO rule (<c>EdgeAgent:Gpio:Rules:N</c>): when <see cref="Label"/> has probability at least
/// <see cref="MinProbability"/> in <see cref="ConsecutiveFrames"/> frames in a row, drive <see cref="Pin"/> active
/// for <see cref="HoldMilliseconds"/> (extended while the condition holds), then leave it inactive for at least
/// <see cref="CooldownMilliseconds"/>.
/// </summary>
public sealed class GpioRuleOptions
{
    /// <summary>The label (one of the model's labels; it must be among the top-k of a frame to count).</summary>
    public string Label { get; set; } = "";

    /// <summary>Probability the label needs in a frame (0 to 1, exclusive of 0).</summary>
    public double MinProbability { get; set; } = 0.8;

    /// <summary>Frames in a row that must pass (debounce); 1 = the first frame fires.</summary>
    public int ConsecutiveFrames { get; set; } = 3;

    /// <summary>GPIO line number (BCM numbering on a Raspberry Pi: GPIO17 is header pin 11).</summary>
    public int Pin { get; set; } = -1;

    /// <summary>How long the pin stays active after the last passing frame, in milliseconds.</summary>
    public int HoldMilliseconds { get; set; } = 500;

    /// <summary>After the pin goes inactive, it cannot fire again for this long (milliseconds; 0 = at once).</summary>
    public int CooldownMilliseconds { get; set; }

    /// <summary>Active = low (many relay boards switch on a low input).</summary>
    public bool ActiveLow { get; set; }
}
