using System.Globalization;
using System.Text.RegularExpressions;
using EdgeToolkit.Compression.Pruning.Latency;
using EdgeToolkit.ModelBundle.Runtime;

namespace EdgeToolkit.EdgeKit.Commands;

/// <summary>
/// Measures models on a device over ssh with <c>edgekit deploy</c>'s transport (its ssh/scp options: key login,
/// BatchMode, connect timeout): copies the models into a private folder made by <c>mktemp -d</c> on the device, runs
/// the installed agent's <c>EdgeAgent --time-models</c> there (ONNX Runtime on the device's own CPU), reads the
/// <see cref="ModelTimingReport"/> line it prints and removes the folder. The fingerprint comes from the device, so a
/// table measured there is cached under the device's key and never mixed with this host's.
/// </summary>
public sealed partial class SshLatencyRunner : ILatencyRunner
{
    private const string RemoteTemplate = "/tmp/edgekit-latency.XXXXXXXXXX";
    private readonly SshLatencySettings _settings;
    private readonly string _ssh;
    private readonly string _scp;
    private readonly TextWriter _log;
    private readonly string _optionPrefix;

    /// <summary>Checks the settings, reaches the device and reads its fingerprint (one ssh call).</summary>
    /// <param name="settings">The device and how to reach it.</param>
    /// <param name="log">Receives each command run (the CLI passes its output).</param>
    /// <param name="optionPrefix">Prefix of the CLI options named in errors (<c>latency-</c> for <c>edgekit prune</c>).</param>
    /// <exception cref="ArgumentException">A bad setting, or ssh/scp not found.</exception>
    /// <exception cref="InvalidOperationException">The device cannot be reached or its agent cannot time models.</exception>
    public SshLatencyRunner(SshLatencySettings settings, TextWriter log, string optionPrefix = "")
    {
        _settings = (settings ?? throw new ArgumentNullException(nameof(settings))).Validate(optionPrefix);
        _log = log ?? throw new ArgumentNullException(nameof(log));
        _optionPrefix = optionPrefix;
        _ssh = DeployCommand.ResolveProgram(settings.Ssh)
            ?? throw new ArgumentException($"{settings.Ssh} not found on PATH; install the OpenSSH client (Debian: apt-get install openssh-client) or pass --ssh");
        _scp = DeployCommand.ResolveProgram(settings.Scp)
            ?? throw new ArgumentException($"{settings.Scp} not found on PATH; install the OpenSSH client (Debian: apt-get install openssh-client) or pass --scp");
        Fingerprint = Time(null, []).Fingerprint;
    }

    /// <inheritdoc/>
    public DeviceFingerprint Fingerprint { get; }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">Two models with the same file name, or a name that is not shell-safe.</exception>
    /// <exception cref="InvalidOperationException">A step failed on the device, or it answered for another machine.</exception>
    public IReadOnlyList<double> Measure(IReadOnlyList<string> modelPaths, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(modelPaths);
        if (modelPaths.Count == 0) return [];
        var names = modelPaths.Select(p => Path.GetFileName(p)).ToList();
        if (names.FirstOrDefault(n => !DeployCommand.IsShellSafe(n)) is { } bad)
            throw new ArgumentException($"model file name '{bad}' is not safe on a remote shell (letters, digits, . _ - only)", nameof(modelPaths));
        if (names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"two models are named '{twice.Key}'; they are copied into one folder on the device", nameof(modelPaths));
        cancellationToken.ThrowIfCancellationRequested();

        string stage = Run("make a private folder on the device", Ssh($"mktemp -d {RemoteTemplate}"), capture: true)
            ?? throw new InvalidOperationException($"mktemp on {_settings.Host} printed nothing");
        stage = stage.Trim();
        if (!StageFolder().IsMatch(stage))
            throw new InvalidOperationException($"mktemp on {_settings.Host} printed '{stage}', expected a folder like {RemoteTemplate}");
        try
        {
            Run("copy the models", [_scp, "-q", .. DeployCommand.ScpOptions(_settings.Port, _settings.Identity), .. modelPaths.Select(p => Path.GetFullPath(p)), $"{_settings.Host}:{stage}/"], capture: false);
        }
        catch (InvalidOperationException)
        {
            Run("remove the folder", Ssh($"rm -rf {stage}"), capture: false, check: false);
            throw;
        }
        cancellationToken.ThrowIfCancellationRequested();
        var report = Time(stage, names);
        if (report.Fingerprint != Fingerprint)
            throw new InvalidOperationException($"{_settings.Host} answered for {report.Fingerprint}, not for {Fingerprint} measured at the start");
        if (report.P50Ms.Count != modelPaths.Count)
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{_settings.Host} timed {report.P50Ms.Count} models, not {modelPaths.Count}"));
        return report.P50Ms;
    }

    /// <summary>Runs the agent's timing mode on the device (on the models in <paramref name="stage"/>, then removes it).</summary>
    private ModelTimingReport Time(string? stage, IReadOnlyList<string> names)
    {
        string command = string.Create(CultureInfo.InvariantCulture,
            $"{_settings.Agent} --time-models --threads {_settings.Threads} --runs {_settings.Runs} --warmup {_settings.Warmup}");
        if (stage is not null)
            command += " " + string.Join(' ', names.Select(n => $"{stage}/{n}")) + $"; rc=$?; rm -rf {stage}; exit $rc";
        string line = Run(stage is null ? "read the device's fingerprint" : $"time {names.Count} model(s) on the device", Ssh(command), capture: true)
            ?? throw new InvalidOperationException($"{_settings.Agent} on {_settings.Host} printed nothing");
        return ModelTimingReport.Parse(line, $"{_settings.Host}:{_settings.Agent}");
    }

    private string[] Ssh(string remoteCommand) => [_ssh, .. DeployCommand.SshOptions(_settings.Port, _settings.Identity), _settings.Host, remoteCommand];

    /// <summary>Runs one step; throws naming it on failure (ssh's 255 = not reached, 127 = no agent).</summary>
    private string? Run(string title, string[] argv, bool capture, bool check = true)
    {
        _log.WriteLine($"==> {title}: {DeployCommand.ShellQuote(argv)}");
        _log.Flush();
        using var error = new StringWriter();
        int code = DeployCommand.Execute(argv, captureLastLine: capture, out string? last, error, echo: false);
        if (code == 0 || !check) return last;
        string detail = error.ToString().Trim();
        if (detail.Length > 0) detail = ": " + detail;
        throw new InvalidOperationException(code switch
        {
            255 => string.Create(CultureInfo.InvariantCulture,
                $"cannot reach {_settings.Host} over ssh (port {_settings.Port}, exit 255); check the address, that sshd runs and that key login works (ssh {_settings.Host})"),
            127 => $"step '{title}' on {_settings.Host}: {_settings.Agent} not found there (exit 127); install the agent with edgekit deploy or name it with --{_optionPrefix}agent",
            _ => string.Create(CultureInfo.InvariantCulture, $"step '{title}' on {_settings.Host} failed with exit code {code}{detail}"),
        });
    }

    [GeneratedRegex(@"^/tmp/edgekit-latency\.[A-Za-z0-9]{10}$")]
    private static partial Regex StageFolder();
}
