using System.Diagnostics;
using System.Net.Http;

namespace EdgeToolkit.Deploy.Tests;

/// <summary>
/// A Debian bookworm container with systemd as PID 1, booted by deploy/testdevice/device.sh on an
/// overlay of the cached root, reachable over ssh on a loopback port with a key made for this run.
/// Dispose powers it off and kills what is left by process id (device.sh stop).
/// </summary>
internal sealed class TestDevice : IDisposable
{
    private static readonly Dictionary<string, Lock> BuildLocks = new() { ["amd64"] = new(), ["arm64"] = new() };
    private bool disposed;

    private TestDevice(string state, string arch)
    {
        State = state;
        Arch = arch;
    }

    public static string Script => Path.Combine(Repo.Root, "deploy", "testdevice", "device.sh");

    /// <summary>The folder device.sh keeps this container's state in (key, port, pids, overlay upper layer).</summary>
    public string State { get; }

    public string Arch { get; }

    public int SshPort => int.Parse(File.ReadAllText(Path.Combine(State, "port")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    public string Key => Path.Combine(State, "id_ed25519");

    /// <summary>The container's PID 1 as a host process id; /proc/&lt;pid&gt;/root is the container's file system.</summary>
    public int Leader => int.Parse(File.ReadAllText(Path.Combine(State, "leader.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A path inside the container, seen from the host.</summary>
    public string HostPath(string containerPath) => $"/proc/{Leader}/root{containerPath}";

    /// <summary>Builds the cached root (once; minutes the first time) and boots a container on it.</summary>
    public static TestDevice Boot(ITestOutputHelper? output = null, string arch = "amd64")
    {
        Repo.RequireTool("debootstrap", "debootstrap");
        Repo.RequireTool("systemd-nspawn", "systemd-container");
        Repo.RequireTool("ssh", "openssh-client");
        Assert.True(Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root",
            "the systemd test device needs root (debootstrap, overlay mount, systemd-nspawn); CI runs test.sh as root");
        lock (BuildLocks[arch])
        {
            var sw = Stopwatch.StartNew();
            // An emulated arm64 root configures every package through qemu: slower than amd64.
            var b = Repo.Run("bash", [Script, "build", "--arch", arch], timeoutSeconds: arch == "amd64" ? 1800 : 3600);
            output?.WriteLine($"device.sh build ({sw.Elapsed.TotalSeconds:F1} s): {b}");
            Assert.True(b.ExitCode == 0, "device.sh build failed: " + b);
        }
        string state = Path.Combine(Path.GetTempPath(), $"edgekit-device-{Environment.ProcessId}-{Guid.NewGuid():N}"[..48]);
        var device = new TestDevice(state, arch);
        var watch = Stopwatch.StartNew();
        var r = Repo.Run("bash", [Script, "boot", "--arch", arch, "--state", state], timeoutSeconds: 600);
        output?.WriteLine($"device.sh boot ({watch.Elapsed.TotalSeconds:F1} s): {r}");
        if (r.ExitCode != 0)
        {
            device.Dispose();
            Assert.Fail("device.sh boot failed: " + r);
        }
        return device;
    }

    /// <summary>Runs a command inside the container (nsenter into all its namespaces).</summary>
    public ProcessResult Exec(params string[] command) =>
        Repo.Run("bash", [Script, "exec", "--state", State, "--", .. command], timeoutSeconds: 600);

    /// <summary>Runs a shell script inside the container.</summary>
    public ProcessResult Sh(string script, int timeoutSeconds = 600) =>
        Repo.Run("bash", [Script, "exec", "--state", State, "--", "bash", "-c", script], timeoutSeconds: timeoutSeconds);

    /// <summary>Copies a host file or folder into the container (through /proc/&lt;leader&gt;/root).</summary>
    public void CopyIn(string hostPath, string containerPath)
    {
        var r = Repo.Run("cp", ["-a", hostPath, HostPath(containerPath)]);
        Assert.True(r.ExitCode == 0, $"copy {hostPath} -> {containerPath}: {r}");
    }

    /// <summary>
    /// Writes ssh and scp wrappers that add only the per-run host-key options (the container's host key
    /// is not in any known_hosts) and returns their paths.
    /// </summary>
    public (string Ssh, string Scp) SshWrappers()
    {
        const string options = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR";
        string ssh = Path.Combine(State, "ssh-wrapper"), scp = Path.Combine(State, "scp-wrapper");
        File.WriteAllText(ssh, $"#!/bin/sh\nexec ssh {options} \"$@\"\n");
        File.WriteAllText(scp, $"#!/bin/sh\nexec scp {options} \"$@\"\n");
        File.SetUnixFileMode(ssh, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(scp, (UnixFileMode)0b111_101_101);
        return (ssh, scp);
    }

    /// <summary>GET on loopback (the container shares the host's network): status and body, or status 0 and the error when nothing answers.</summary>
    public static (int Status, string Body) Get(HttpClient http, string url)
    {
        try
        {
            using var response = http.GetAsync(url).GetAwaiter().GetResult();
            return ((int)response.StatusCode, response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (0, e.Message);
        }
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        var r = Repo.Run("bash", [Script, "stop", "--state", State], timeoutSeconds: 120);
        if (r.ExitCode != 0) throw new InvalidOperationException("device.sh stop failed: " + r);
    }
}
