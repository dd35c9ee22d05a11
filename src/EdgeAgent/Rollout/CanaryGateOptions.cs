using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeToolkit.EdgeAgent.Rollout;

/// <summary>
/// What the canary gate waits for and the limits it compares with (<c>EdgeAgent --canary-gate</c>). Every option is
/// declared once in <see cref="Declarations"/>: the agent's parser reads them, the playbook and <c>edgekit deploy</c>
/// pass them through under their own names (<see cref="GateSettingNames"/>).
/// </summary>
public sealed partial class CanaryGateOptions
{
    /// <summary>The agent's health endpoint (it serves the status the gate reads).</summary>
    public Uri HealthUrl { get; set; } = new("http://127.0.0.1:9465/health");

    /// <summary>Seconds to let the updated agent run before reading its figures.</summary>
    public double SoakSeconds { get; set; } = 60;

    /// <summary>Frames the new model must have classified before its figures are compared.</summary>
    public int MinFrames { get; set; } = 100;

    /// <summary>Seconds to wait after the soak for <see cref="MinFrames"/> frames of the new model.</summary>
    public double WaitSeconds { get; set; } = 300;

    /// <summary>The sha256 the new model must report (null: whatever model serves after the update).</summary>
    public string? Sha256 { get; set; }

    /// <summary>Which p95 latencies are compared: total and inference (the default), or inference only.</summary>
    public GatedP95 P95Figures { get; set; } = GatedP95.Both;

    /// <summary>Total and inference p95 may rise by this many percent ...</summary>
    public double P95IncreasePercent { get; set; } = 25;

    /// <summary>... plus this many milliseconds (timer noise on sub-millisecond models).</summary>
    public double P95SlackMs { get; set; } = 1.0;

    /// <summary>Mean top-1 probability may fall by this much.</summary>
    public double Top1Drop { get; set; } = 0.05;

    /// <summary>Mean top-1 probability must be at least this, baseline or not.</summary>
    public double Top1Min { get; set; }

    /// <summary>Frames per second may fall by this many percent (a model the camera outpaces drops frames).</summary>
    public double FpsDropPercent { get; set; } = 20;

    /// <summary>The bad-frame rate (refused / all frames) may rise by this much.</summary>
    public double BadRateIncrease { get; set; } = 0.01;

    /// <summary>How reports name these limits.</summary>
    public GateSettingNames Names { get; set; } = GateSettingNames.Agent;

    /// <summary>Every option: its name on the command line (<c>--name value</c>), help, and how its value is set and checked.</summary>
    public static IReadOnlyList<(string Name, string Help, Action<CanaryGateOptions, string> Set)> Declarations { get; } =
    [
        ("health-url", "the agent's health endpoint", (o, v) => o.HealthUrl = Uri.TryCreate(v, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" ? u : throw Bad("health-url", v, "an http:// address")),
        ("soak-seconds", "seconds the updated agent runs before its figures are read", (o, v) => o.SoakSeconds = Number("soak-seconds", v, 0, 86_400)),
        ("min-frames", "frames of the new model the figures must cover", (o, v) => o.MinFrames = (int)Number("min-frames", v, 1, 1_000_000, whole: true)),
        ("wait-seconds", "seconds to wait after the soak for min-frames frames", (o, v) => o.WaitSeconds = Number("wait-seconds", v, 0, 86_400)),
        ("sha256", "the sha256 the new model must report", (o, v) => o.Sha256 = Sha256Pattern().IsMatch(v) ? v : throw Bad("sha256", v, "64 hexadecimal digits")),
        ("p95-figures", "which p95 latencies are gated: both (total and inference) or inference (busy devices: queueing moves total p95)", (o, v) => o.P95Figures = v switch
        {
            "both" => GatedP95.Both,
            "inference" => GatedP95.Inference,
            _ => throw Bad("p95-figures", v, "both or inference"),
        }),
        ("p95-increase-percent", "gated p95 latencies may rise by this many percent", (o, v) => o.P95IncreasePercent = Number("p95-increase-percent", v, 0, 1e9)),
        ("p95-slack-ms", "plus this many milliseconds", (o, v) => o.P95SlackMs = Number("p95-slack-ms", v, 0, 1e9)),
        ("top1-drop", "mean top-1 probability may fall by this much", (o, v) => o.Top1Drop = Number("top1-drop", v, 0, 1)),
        ("top1-min", "mean top-1 probability must be at least this", (o, v) => o.Top1Min = Number("top1-min", v, 0, 1)),
        ("fps-drop-percent", "frames/s may fall by this many percent", (o, v) => o.FpsDropPercent = Number("fps-drop-percent", v, 0, 100)),
        ("bad-rate-increase", "the bad-frame rate may rise by this much (0-1)", (o, v) => o.BadRateIncrease = Number("bad-rate-increase", v, 0, 1)),
        ("names", "how reports name the limits: agent, ansible or edgekit", (o, v) => o.Names = v switch
        {
            "agent" => GateSettingNames.Agent,
            "ansible" => GateSettingNames.Ansible,
            "edgekit" => GateSettingNames.Edgekit,
            _ => throw Bad("names", v, "agent, ansible or edgekit"),
        }),
    ];

    /// <summary>Reads <c>--name value</c> / <c>--name=value</c> pairs; throws <see cref="ArgumentException"/> naming the option.</summary>
    public static CanaryGateOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new CanaryGateOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"'{a}': expected an option --name value (see docs/deploy.md, \"Canary rollouts\")");
            int eq = a.IndexOf('=', StringComparison.Ordinal);
            string name = eq > 0 ? a[2..eq] : a[2..];
            var declaration = Declarations.FirstOrDefault(d => d.Name == name);
            if (declaration.Name is null)
                throw new ArgumentException($"--{name}: unknown canary gate option; expected one of {string.Join(", ", Declarations.Select(d => "--" + d.Name))}");
            string value = eq > 0 ? a[(eq + 1)..] : i + 1 < args.Count ? args[++i] : throw new ArgumentException($"--{name} needs a value ({declaration.Help})");
            declaration.Set(options, value);
        }
        return options;
    }

    /// <summary>The name of limit <paramref name="name"/> (a <see cref="Declarations"/> name) as the caller's user sets it.</summary>
    public string Setting(string name) => Names switch
    {
        GateSettingNames.Ansible => "edgeagent_gate_" + name.Replace('-', '_'),
        GateSettingNames.Edgekit => "--gate " + name,
        _ => "--" + name,
    };

    private static double Number(string name, string value, double min, double max, bool whole = false)
    {
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) || !double.IsFinite(x) || x < min || x > max || (whole && x != Math.Floor(x)))
            throw Bad(name, value, $"{(whole ? "a whole number" : "a number")} from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
        return x;
    }

    private static ArgumentException Bad(string name, string value, string expected) => new($"--{name} '{value}': expected {expected}");

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Pattern();
}
