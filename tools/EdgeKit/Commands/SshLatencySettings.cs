using System.Globalization;

namespace EdgeToolkit.EdgeKit.Commands;

/// <summary>Where and how <see cref="SshLatencyRunner"/> measures: the device, <c>edgekit deploy</c>'s ssh settings, the agent and the timing.</summary>
/// <param name="Host">ssh destination, user@device.</param>
public sealed record SshLatencySettings(string Host)
{
    /// <summary>The agent <c>edgekit deploy</c> installs.</summary>
    public const string DefaultAgent = "/opt/edgeagent/current/EdgeAgent";

    /// <summary>ssh port.</summary>
    public int Port { get; init; } = 22;

    /// <summary>ssh private key file (null = ssh's default).</summary>
    public string? Identity { get; init; }

    /// <summary>ssh program.</summary>
    public string Ssh { get; init; } = "ssh";

    /// <summary>scp program.</summary>
    public string Scp { get; init; } = "scp";

    /// <summary>The agent executable on the device (it times the models: <c>EdgeAgent --time-models</c>).</summary>
    public string Agent { get; init; } = DefaultAgent;

    /// <summary>ONNX Runtime intra-op threads on the device (part of the table's fingerprint).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Timed runs per model.</summary>
    public int Runs { get; init; } = 60;

    /// <summary>Untimed runs per model.</summary>
    public int Warmup { get; init; } = 5;

    /// <summary>Throws naming the first bad setting by its CLI option (with <paramref name="prefix"/>, e.g. <c>latency-</c>).</summary>
    /// <exception cref="ArgumentException">A bad setting.</exception>
    public SshLatencySettings Validate(string prefix = "")
    {
        if (!DeployCommand.IsValidHost(Host))
            throw new ArgumentException($"--{prefix}host '{Host}': expected user@host or host (letters, digits, . _ - and an IPv6 address in brackets)");
        if (Port is < 1 or > 65535)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--{prefix}port {Port}: expected 1..65535"));
        if (Identity is not null && !File.Exists(Identity))
            throw new ArgumentException($"--{prefix}identity '{Identity}': file not found");
        if (!Agent.StartsWith('/') || !DeployCommand.IsShellSafe(Agent))
            throw new ArgumentException($"--{prefix}agent '{Agent}': expected an absolute path of letters, digits and . _ - /");
        if (Threads < 1 || Runs < 1 || Warmup < 0)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"threads {Threads} and runs {Runs} must be at least 1 and warm-up {Warmup} at least 0"));
        return this;
    }
}
