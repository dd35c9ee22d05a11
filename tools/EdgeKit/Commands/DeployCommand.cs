using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace EdgeToolkit.EdgeKit.Commands;

/// <summary>
/// <c>edgekit deploy --host user@device</c>: builds (or takes) the agent tarball, copies it with scp, records the
/// running agent's figures, runs install.sh over ssh (which waits for READY and rolls back on failure), then the
/// canary gate (the fleet playbook's, run by the new agent on the device: soak, compare p95 latency, mean top-1
/// probability, frames/s and bad-frame rate with the figures before; a regression rolls back and names the figure),
/// then a short <c>--bench</c> on the device whose latency table is the first real measurement.
/// </summary>
public static partial class DeployCommand
{
    /// <summary>Exit code when ssh/scp are missing or the arguments are invalid.</summary>
    public const int ExitUsage = 2;

    /// <summary>Exit code when the device cannot be reached over ssh.</summary>
    public const int ExitUnreachable = 5;

    /// <summary>Exit code when the canary gate found a regression (the device was rolled back).</summary>
    public const int ExitGateFailed = 6;

    /// <summary>Exit code when the canary gate found a regression and the rollback failed (install.sh's exit code is named).</summary>
    public const int ExitRollbackFailed = 7;

    /// <summary>The agent's own gate exit code for a regression (<c>EdgeAgent --canary-gate check</c>).</summary>
    private const int GateRegressed = 1;

    /// <summary><c>install.sh --rollback</c>: switched back to the previous version.</summary>
    private const int InstallRolledBack = 3;

    /// <summary><c>install.sh --rollback</c>: there is no previous version (the first install on this device).</summary>
    private const int InstallNothingToRollBackTo = 4;

    /// <summary>
    /// The gate step's exit code when the gate regressed and <c>install.sh --rollback</c> did not roll back: this plus
    /// install.sh's exit code (the gate's own codes stay below it).
    /// </summary>
    private const int RollbackExitBase = 100;

    /// <summary>Creates the <c>deploy</c> verb.</summary>
    public static Command Create()
    {
        var host = new Option<string>("--host") { Description = "ssh destination, user@device (the user needs sudo on the device)", Required = true };
        var bundle = new Option<string?>("--bundle") { Description = "model bundle folder (manifest.json + model) to install with the agent" };
        var tarball = new Option<string?>("--tarball") { Description = "an edgeagent-<version>-<rid>.tar.gz from deploy/arm64/publish.sh; built when omitted" };
        var rid = new Option<string>("--rid") { Description = "runtime of the device: linux-arm64 (Pi, Jetson) or linux-x64", DefaultValueFactory = _ => "linux-arm64" };
        var port = new Option<int>("--port") { Description = "ssh port", DefaultValueFactory = _ => 22 };
        var identity = new Option<string?>("--identity", "-i") { Description = "ssh private key file" };
        var benchFrames = new Option<int>("--bench-frames") { Description = "frames of the on-device benchmark (0 skips it)", DefaultValueFactory = _ => 200 };
        var timeout = new Option<int>("--timeout") { Description = "seconds to wait for the service to become ready", DefaultValueFactory = _ => 60 };
        var ssh = new Option<string>("--ssh") { Description = "ssh program", DefaultValueFactory = _ => "ssh" };
        var scp = new Option<string>("--scp") { Description = "scp program", DefaultValueFactory = _ => "scp" };
        var dryRun = new Option<bool>("--dry-run") { Description = "print the commands that would run, run nothing" };
        var noGate = new Option<bool>("--no-gate") { Description = "install without the canary gate (no figures recorded or compared)" };
        var gate = new Option<string[]>("--gate")
        {
            Description = "a canary gate option NAME=VALUE for the agent's gate (repeatable; e.g. soak-seconds=60, min-frames=100, "
                + "p95-figures=inference, p95-increase-percent=25, top1-drop=0.05, fps-drop-percent=20, bad-rate-increase=0.01, health-url=...; see docs/deploy.md)",
            AllowMultipleArgumentsPerToken = false,
        };

        var command = new Command("deploy", "Install the agent on a device over ssh, wait until it is ready, gate it on its figures and benchmark it there.")
        {
            host, bundle, tarball, rid, port, identity, benchFrames, timeout, ssh, scp, dryRun, noGate, gate,
        };
        command.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output;
            TextWriter error = parse.InvocationConfiguration.Error;
            try
            {
                var settings = new Settings(
                    parse.GetValue(host)!, parse.GetValue(bundle), parse.GetValue(tarball), parse.GetValue(rid)!,
                    parse.GetValue(port), parse.GetValue(identity), parse.GetValue(benchFrames), parse.GetValue(timeout),
                    parse.GetValue(ssh)!, parse.GetValue(scp)!, parse.GetValue(dryRun), !parse.GetValue(noGate), parse.GetValue(gate) ?? []);
                return Run(settings, output, error);
            }
            catch (ArgumentException e)
            {
                error.WriteLine($"error: {e.Message}");
                return ExitUsage;
            }
        });
        return command;
    }

    private sealed record Settings(
        string Host, string? Bundle, string? Tarball, string Rid, int Port, string? Identity,
        int BenchFrames, int Timeout, string Ssh, string Scp, bool DryRun, bool Gate, string[] GateOptions);

    /// <summary>
    /// The device's private staging folder is made by <c>mktemp -d</c> with this template (mode 0700, a name no
    /// other user can predict or pre-create); the folder it prints replaces the template in the later steps.
    /// </summary>
    private const string RemoteRoot = "/tmp/edgeagent-deploy.XXXXXXXXXX";

    private static int Run(Settings s, TextWriter output, TextWriter error)
    {
        Validate(s);
        string? sshPath = s.DryRun ? s.Ssh : ResolveProgram(s.Ssh);
        string? scpPath = s.DryRun ? s.Scp : ResolveProgram(s.Scp);
        if (sshPath is null || scpPath is null)
        {
            error.WriteLine($"error: {(sshPath is null ? s.Ssh : s.Scp)} not found on PATH; install the OpenSSH client (Debian: apt-get install openssh-client) or pass --ssh/--scp");
            return ExitUsage;
        }

        // 1. Can we log in at all? Fails fast (BatchMode: no password prompt) before a long publish.
        string[] probe = [sshPath, .. SshOptions(s), s.Host, "true"];
        // 2. The tarball: given, or built by publish.sh (its last output line is the path).
        string? repo = FindRepository();
        string[]? publish = null;
        string tarballPath;
        if (s.Tarball is not null)
        {
            tarballPath = Path.GetFullPath(s.Tarball);
        }
        else
        {
            if (repo is null)
                throw new ArgumentException("--tarball is required outside the EdgeToolkit repository (deploy/arm64/publish.sh not found above the current folder)");
            publish = ["bash", Path.Combine(repo, "deploy", "arm64", "publish.sh"), "--rid", s.Rid, "--out", Path.Combine(repo, "dist")];
            if (s.Bundle is not null) publish = [.. publish, "--bundle", Path.GetFullPath(s.Bundle)];
            tarballPath = Path.Combine(repo, "dist", $"edgeagent-{ReadVersion(repo)}-{s.Rid}.tar.gz");
        }
        string tarName = Path.GetFileName(tarballPath);
        Match m = TarballName().Match(tarName);
        if (!m.Success)
            throw new ArgumentException($"--tarball '{tarballPath}': expected a file named edgeagent-<version>-<rid>.tar.gz made by deploy/arm64/publish.sh");
        string packageDir = $"{RemoteRoot}/{tarName[..^".tar.gz".Length]}";
        bool separateBundle = s.Bundle is not null && s.Tarball is not null;

        // 3. Copy, unpack and install; install.sh waits for READY and rolls back on failure.
        string[] prepare = [sshPath, .. SshOptions(s), s.Host, $"mktemp -d {RemoteRoot}"];
        var copySources = new List<string> { tarballPath };
        if (separateBundle) copySources.Add(Path.GetFullPath(s.Bundle!));
        string[] copy = [scpPath, "-q", "-r", .. ScpOptions(s), .. copySources, $"{s.Host}:{RemoteRoot}/"];
        string installArgs = $"--timeout {s.Timeout}" + (separateBundle ? " --bundle " + ShellQuote([$"{RemoteRoot}/{Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(s.Bundle!)))}"]) : "");
        string unpack = $"tar -xzf {RemoteRoot}/{tarName} -C {RemoteRoot}";
        // The staging folder goes when a step fails, or after the gate (whose rollback needs the new install.sh).
        string cleanUpOnFailure = $"rc=$?; [ $rc -eq 0 ] || rm -rf {RemoteRoot}; exit $rc";
        // The gate is the agent's (EdgeAgent --canary-gate, the fleet playbook's too). The baseline is read by the new
        // tarball's agent (an old agent may lack the gate) and checks the gate options before anything changes.
        string gateOptions = ShellQuote(s.GateOptions.Select(o => "--" + o).Append("--names").Append("edgekit"));
        string[] baseline = [sshPath, .. SshOptions(s), s.Host,
            $"{unpack} && {packageDir}/agent/EdgeAgent --canary-gate baseline {gateOptions} > {RemoteRoot}/baseline.json; {cleanUpOnFailure}"];
        string[] install = [sshPath, .. SshOptions(s), s.Host, s.Gate
            ? $"sudo {packageDir}/install.sh {installArgs}; {cleanUpOnFailure}"
            : $"{unpack} && sudo {packageDir}/install.sh {installArgs}; rc=$?; rm -rf {RemoteRoot}; exit $rc"];
        // Its report is the last line on standard output; the rollback's output goes to standard error.
        string[] check = [sshPath, .. SshOptions(s), s.Host,
            $"/opt/edgeagent/current/EdgeAgent --canary-gate check {gateOptions} < {RemoteRoot}/baseline.json; rc=$?; "
            + $"if [ $rc -eq {GateRegressed} ]; then sudo {packageDir}/install.sh --rollback --timeout {s.Timeout} >&2; rb=$?; "
            + $"[ $rb -eq {InstallRolledBack} ] || rc=$(({RollbackExitBase} + rb)); fi; rm -rf {RemoteRoot}; exit $rc"];
        // 4. A short benchmark with synthetic JPEG frames, beside the running service (no camera
        //    contention, no port clash), as the service user so it sees what the service sees. The agent
        //    measures capacity unpaced, then per-frame latency with the frames paced at a camera's 30 fps.
        string[] bench = [sshPath, .. SshOptions(s), "-t", s.Host,
            $"sudo -u edgeagent /opt/edgeagent/current/EdgeAgent --bench {s.BenchFrames}"
            + " --EdgeAgent:Bundle=/var/lib/edgeagent/models/current"
            + " --EdgeAgent:Source:Kind=synthetic --EdgeAgent:Source:PixelFormat=jpeg --EdgeAgent:Source:FramesPerSecond=30"
            + " --EdgeAgent:Metrics:PrometheusEnabled=false --EdgeAgent:Metrics:HealthEnabled=false"
            + " --EdgeAgent:StatusFile= --EdgeAgent:BenchReportFile=/tmp/edgeagent-bench.json"];

        var steps = new List<(string Title, string[] Argv)> { ("check ssh access", probe) };
        if (publish is not null) steps.Add(("publish the agent", publish));
        steps.Add(("prepare the device", prepare));
        steps.Add(("copy", copy));
        if (s.Gate) steps.Add(("record the figures before (canary gate baseline)", baseline));
        steps.Add(("install and wait for READY", install));
        if (s.Gate) steps.Add(("canary gate: soak, then compare with the figures before", check));
        if (s.BenchFrames > 0) steps.Add(("benchmark on the device", bench));

        if (s.DryRun)
        {
            output.WriteLine($"# the staging folder mktemp prints on the device replaces {RemoteRoot} in the steps after it");
            foreach (var (title, argv) in steps) output.WriteLine($"# {title}\n+ {ShellQuote(argv)}");
            return 0;
        }
        string? stage = null;
        foreach (var (title, template) in steps)
        {
            string[] argv = stage is null ? template : [.. template.Select(a => a.Replace(RemoteRoot, stage, StringComparison.Ordinal))];
            output.WriteLine($"==> {title}: {ShellQuote(argv)}");
            output.Flush();
            int code = Execute(argv, captureLastLine: template == publish || template == prepare || template == check, out string? lastLine, error);
            if (template == prepare && code == 0)
            {
                stage = lastLine?.Trim();
                if (stage is null || !StageFolder().IsMatch(stage))
                {
                    error.WriteLine($"error: mktemp on {s.Host} printed '{stage}', expected a folder like {RemoteRoot}");
                    return ExitUsage;
                }
            }
            if (template == probe && code != 0)
            {
                error.WriteLine($"error: cannot reach {s.Host} over ssh (port {s.Port}, exit {code}); check the address, that sshd runs and that key login works (ssh {s.Host})");
                return ExitUnreachable;
            }
            if (template == publish && code == 0 && lastLine is not null && lastLine.Trim() != tarballPath)
                throw new ArgumentException($"publish.sh wrote '{lastLine.Trim()}', expected '{tarballPath}'");
            if (template == check && code == GateRegressed)
            {
                error.WriteLine($"error: {lastLine?.Trim()} on {s.Host}; rolled back to the previous version");
                return ExitGateFailed;
            }
            if (template == check && code is > RollbackExitBase and < RollbackExitBase + 100)
            {
                int rollback = code - RollbackExitBase;
                if (rollback == InstallNothingToRollBackTo)
                {
                    error.WriteLine($"error: {lastLine?.Trim()} on {s.Host}; nothing to roll back to (no previous version is installed there), "
                        + "so the new version stays installed and running");
                    return ExitGateFailed;
                }
                error.WriteLine($"error: {lastLine?.Trim()} on {s.Host}; the rollback failed (install.sh --rollback exited {rollback}): "
                    + $"check the device (systemctl status edgeagent; readlink /opt/edgeagent/current)");
                return ExitRollbackFailed;
            }
            if (code != 0)
            {
                error.WriteLine(template == install && code == 3
                    ? $"error: the new version did not become ready on {s.Host}; install.sh rolled back to the previous version"
                    : $"error: step '{title}' failed with exit code {code}");
                return code;
            }
        }
        output.WriteLine($"deployed {tarName} to {s.Host}");
        return 0;
    }

    private static void Validate(Settings s)
    {
        // A host starting with '-' would be read by ssh as an option (argument injection).
        if (!IsValidHost(s.Host))
            throw new ArgumentException($"--host '{s.Host}': expected user@host or host (letters, digits, . _ - and an IPv6 address in brackets)");
        if (s.Rid is not ("linux-arm64" or "linux-x64"))
            throw new ArgumentException($"--rid '{s.Rid}': expected linux-arm64 or linux-x64");
        if (s.Port is < 1 or > 65535)
            throw new ArgumentException($"--port {s.Port}: expected 1..65535");
        if (s.Timeout < 1)
            throw new ArgumentException($"--timeout {s.Timeout}: expected at least 1 second");
        if (s.BenchFrames < 0)
            throw new ArgumentException($"--bench-frames {s.BenchFrames}: expected 0 or more");
        if (s.Bundle is not null && !File.Exists(Path.Combine(s.Bundle, "manifest.json")))
            throw new ArgumentException($"--bundle '{s.Bundle}': no manifest.json there (a bundle folder holds manifest.json and the model)");
        if (s.Tarball is not null && !File.Exists(s.Tarball))
            throw new ArgumentException($"--tarball '{s.Tarball}': file not found");
        if (s.Identity is not null && !File.Exists(s.Identity))
            throw new ArgumentException($"--identity '{s.Identity}': file not found");
        // The agent checks names and values (one declaration, EdgeAgent --canary-gate) before anything changes; here only the form.
        foreach (string o in s.GateOptions)
        {
            if (!GateOption().IsMatch(o))
                throw new ArgumentException($"--gate '{o}': expected NAME=VALUE with a gate option name such as top1-drop=0.05");
        }
        if (!s.Gate && s.GateOptions.Length > 0)
            throw new ArgumentException("--gate: options for a gate that --no-gate turns off");
    }

    private static IEnumerable<string> SshOptions(Settings s) => SshOptions(s.Port, s.Identity);

    private static IEnumerable<string> ScpOptions(Settings s) => ScpOptions(s.Port, s.Identity);

    /// <summary>ssh's options: no password prompt, a 10 s connect timeout, the port and key (shared with <c>pull-captures</c>).</summary>
    internal static IEnumerable<string> SshOptions(int port, string? identity)
    {
        yield return "-o"; yield return "BatchMode=yes";
        yield return "-o"; yield return "ConnectTimeout=10";
        yield return "-p"; yield return port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (identity is not null) { yield return "-i"; yield return Path.GetFullPath(identity); }
    }

    /// <summary>scp's options, as <see cref="SshOptions(int, string?)"/>.</summary>
    internal static IEnumerable<string> ScpOptions(int port, string? identity)
    {
        yield return "-o"; yield return "BatchMode=yes";
        yield return "-o"; yield return "ConnectTimeout=10";
        yield return "-P"; yield return port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (identity is not null) { yield return "-i"; yield return Path.GetFullPath(identity); }
    }

    /// <summary>True when <paramref name="host"/> is user@host or host (never an ssh option).</summary>
    internal static bool IsValidHost(string host) => HostPattern().IsMatch(host);

    /// <summary>True when <paramref name="word"/> needs no quoting in a POSIX shell (safe as a remote path).</summary>
    internal static bool IsShellSafe(string word) => word.Length > 0 && SafeWord().IsMatch(word);

    /// <summary>The full path of <paramref name="name"/> on PATH (or the path itself when it has a '/'), or null.</summary>
    internal static string? ResolveProgram(string name)
    {
        if (name.Contains('/')) return File.Exists(name) ? Path.GetFullPath(name) : null;
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    private static string? FindRepository()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "deploy", "arm64", "publish.sh"))) return dir.FullName;
            }
        }
        return null;
    }

    private static string ReadVersion(string repo)
    {
        string props = Path.Combine(repo, "Directory.Build.props");
        Match m = VersionElement().Match(File.ReadAllText(props));
        return m.Success ? m.Groups[1].Value : throw new ArgumentException($"{props}: no <Version> element");
    }

    /// <summary>
    /// Runs <paramref name="argv"/> with inherited output; returns its exit code (127 when it cannot start). With
    /// <paramref name="captureLastLine"/> the output is read, echoed unless <paramref name="echo"/> is false, and its last
    /// non-empty line returned.
    /// </summary>
    internal static int Execute(string[] argv, bool captureLastLine, out string? lastLine, TextWriter error, bool echo = true)
    {
        var info = new ProcessStartInfo(argv[0]) { UseShellExecute = false, RedirectStandardOutput = captureLastLine };
        foreach (string a in argv.Skip(1)) info.ArgumentList.Add(a);
        lastLine = null;
        try
        {
            using var process = Process.Start(info)!;
            if (captureLastLine)
            {
                string? line;
                while ((line = process.StandardOutput.ReadLine()) is not null)
                {
                    if (echo) System.Console.Out.WriteLine(line);
                    if (line.Length > 0) lastLine = line;
                }
            }
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            error.WriteLine($"error: cannot start {argv[0]}: {e.Message}");
            return 127;
        }
    }

    /// <summary>Quotes argv for display so it can be pasted into a POSIX shell.</summary>
    internal static string ShellQuote(IEnumerable<string> argv)
    {
        var sb = new StringBuilder();
        foreach (string a in argv)
        {
            if (sb.Length > 0) sb.Append(' ');
            sb.Append(a.Length > 0 && SafeWord().IsMatch(a) ? a : "'" + a.Replace("'", "'\\''") + "'");
        }
        return sb.ToString();
    }

    [GeneratedRegex(@"^([A-Za-z0-9._][A-Za-z0-9._-]*@)?([A-Za-z0-9][A-Za-z0-9._-]*|\[[0-9A-Fa-f:.]+\])$")]
    private static partial Regex HostPattern();

    [GeneratedRegex(@"^edgeagent-[0-9A-Za-z.+-]+-linux-(arm64|x64)\.tar\.gz$")]
    private static partial Regex TarballName();

    [GeneratedRegex(@"<Version>([^<]+)</Version>")]
    private static partial Regex VersionElement();

    [GeneratedRegex(@"^/tmp/edgeagent-deploy\.[A-Za-z0-9]{10}$")]
    private static partial Regex StageFolder();

    [GeneratedRegex(@"^[A-Za-z0-9@%+=:,./_-]+$")]
    private static partial Regex SafeWord();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]*=\S+$")]
    private static partial Regex GateOption();
}
