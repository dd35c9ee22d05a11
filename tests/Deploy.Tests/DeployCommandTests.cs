using System.Net;
using System.Net.Sockets;

namespace EdgeToolkit.Deploy.Tests;

/// <summary><c>edgekit deploy</c>: the exact ssh/scp commands (dry run) and clear failures. Only loopback is contacted.</summary>
public sealed class DeployCommandTests : IDisposable
{
    private readonly TempDir temp = new("deploy-cmd");
    private readonly ITestOutputHelper output;

    public DeployCommandTests(ITestOutputHelper output) => this.output = output;

    private ProcessResult EdgeKit(params string[] args)
    {
        var r = Repo.Run("dotnet", [Repo.EdgeKitDll, "deploy", .. args]);
        output.WriteLine(r.ToString());
        return r;
    }

    private string Tarball()
    {
        string path = temp.Combine("edgeagent-1.2.3-linux-arm64.tar.gz");
        File.WriteAllText(path, "not really a tarball");
        return path;
    }

    private string Bundle()
    {
        string dir = temp.Combine("mybundle");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "manifest.json"), "{}");
        return dir;
    }

    [Fact]
    public void Dry_run_prints_the_exact_ssh_and_scp_commands()
    {
        string tar = Tarball();
        string bundle = Bundle();
        var r = EdgeKit("--host", "pi@raspberrypi.local", "--tarball", tar, "--bundle", bundle, "--port", "2222", "--bench-frames", "50", "--timeout", "90",
            "--gate", "soak-seconds=5", "--gate", "top1-drop=0.1", "--dry-run");
        Assert.Equal(0, r.ExitCode);
        const string stage = "/tmp/edgeagent-deploy.XXXXXXXXXX", package = stage + "/edgeagent-1.2.3-linux-arm64";
        string[] commands = r.StdOut.Split('\n').Where(l => l.StartsWith("+ ", StringComparison.Ordinal)).Select(l => l[2..]).ToArray();
        string ssh = "ssh -o BatchMode=yes -o ConnectTimeout=10 -p 2222";
        Assert.Equal(
        [
            $"{ssh} pi@raspberrypi.local true",
            $"{ssh} pi@raspberrypi.local 'mktemp -d /tmp/edgeagent-deploy.XXXXXXXXXX'",
            $"scp -q -r -o BatchMode=yes -o ConnectTimeout=10 -P 2222 {tar} {bundle} pi@raspberrypi.local:/tmp/edgeagent-deploy.XXXXXXXXXX/",
            $"{ssh} pi@raspberrypi.local 'tar -xzf {stage}/edgeagent-1.2.3-linux-arm64.tar.gz -C {stage} && {package}/agent/EdgeAgent --canary-gate baseline --soak-seconds=5 --top1-drop=0.1 --names edgekit > {stage}/baseline.json; rc=$?; [ $rc -eq 0 ] || rm -rf {stage}; exit $rc'",
            $"{ssh} pi@raspberrypi.local 'sudo {package}/install.sh --timeout 90 --bundle {stage}/mybundle; rc=$?; [ $rc -eq 0 ] || rm -rf {stage}; exit $rc'",
            $"{ssh} pi@raspberrypi.local '/opt/edgeagent/current/EdgeAgent --canary-gate check --soak-seconds=5 --top1-drop=0.1 --names edgekit < {stage}/baseline.json; rc=$?; if [ $rc -eq 1 ]; then sudo {package}/install.sh --rollback --timeout 90 >&2; rb=$?; [ $rb -eq 3 ] || rc=$((100 + rb)); fi; rm -rf {stage}; exit $rc'",
            $"{ssh} -t pi@raspberrypi.local 'sudo -u edgeagent /opt/edgeagent/current/EdgeAgent --bench 50 --EdgeAgent:Bundle=/var/lib/edgeagent/models/current --EdgeAgent:Source:Kind=synthetic --EdgeAgent:Source:PixelFormat=jpeg --EdgeAgent:Source:FramesPerSecond=30 --EdgeAgent:Metrics:PrometheusEnabled=false --EdgeAgent:Metrics:HealthEnabled=false --EdgeAgent:StatusFile= --EdgeAgent:BenchReportFile=/tmp/edgeagent-bench.json'",
        ], commands);
    }

    [Fact]
    public void Dry_run_without_the_gate_installs_and_cleans_up_in_one_step()
    {
        var r = EdgeKit("--host", "pi@raspberrypi.local", "--tarball", Tarball(), "--no-gate", "--bench-frames", "0", "--dry-run");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("&& sudo /tmp/edgeagent-deploy.XXXXXXXXXX/edgeagent-1.2.3-linux-arm64/install.sh --timeout 60; rc=$?; rm -rf /tmp/edgeagent-deploy.XXXXXXXXXX; exit $rc", r.StdOut);
        Assert.DoesNotContain("--canary-gate", r.StdOut);
    }

    [Fact]
    public void Dry_run_without_tarball_publishes_with_the_repository_script()
    {
        var r = EdgeKit("--host", "jetson", "--rid", "linux-arm64", "--dry-run");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains($"+ bash {Repo.Script("publish.sh")} --rid linux-arm64 --out {Path.Combine(Repo.Root, "dist")}", r.StdOut);
        Assert.Contains("tar -xzf /tmp/edgeagent-deploy.XXXXXXXXXX/edgeagent-", r.StdOut);
    }

    [Fact]
    public void Missing_ssh_fails_clearly()
    {
        var r = EdgeKit("--host", "pi@127.0.0.1", "--tarball", Tarball(), "--ssh", temp.Combine("no-such-ssh"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("not found on PATH", r.StdErr);
        Assert.Contains("openssh-client", r.StdErr);
    }

    [Fact]
    public void Unreachable_host_fails_clearly_before_copying_anything()
    {
        Repo.RequireTool("ssh", "openssh-client");
        // A loopback port that was just free: connecting is refused at once.
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var r = EdgeKit("--host", "nobody@127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--tarball", Tarball());
        Assert.Equal(5, r.ExitCode);
        Assert.Contains($"cannot reach nobody@127.0.0.1 over ssh (port {port}", r.StdErr);
        Assert.DoesNotContain("==> copy", r.StdOut);
    }

    [Theory]
    [InlineData("--host", "-oProxyCommand=touch /tmp/x", "--host '-oProxyCommand=touch /tmp/x': expected user@host")]
    [InlineData("--rid", "win-x64", "--rid 'win-x64': expected linux-arm64 or linux-x64")]
    [InlineData("--port", "0", "--port 0: expected 1..65535")]
    [InlineData("--bundle", "/nonexistent", "--bundle '/nonexistent': no manifest.json there")]
    [InlineData("--tarball", "/nonexistent.tar.gz", "--tarball '/nonexistent.tar.gz': file not found")]
    [InlineData("--gate", "top1-drop 0.1", "--gate 'top1-drop 0.1': expected NAME=VALUE")]
    public void Bad_arguments_are_refused_naming_the_option(string option, string value, string message)
    {
        var args = new List<string> { "--host", "pi@device", "--dry-run" };
        if (option == "--host") args[1] = value; else args.AddRange([option, value]);
        var r = EdgeKit([.. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.StdErr);
    }

    /// <summary>
    /// The whole deploy against a "device" that is a folder: ssh runs the remote command here with bash, sudo dropped,
    /// install.sh given <c>--root</c> (and no systemd) and /opt/edgeagent/current under that root; scp copies. The
    /// package is a <see cref="FakePackage"/> with the real install.sh whose agent's canary gate always reports a
    /// regression, so the deploy's rollback is the real <c>install.sh --rollback</c>.
    /// </summary>
    [Theory]
    [InlineData(true, "; rolled back to the previous version", "1.0.0")]
    [InlineData(false, "; nothing to roll back to (no previous version is installed there), so the new version stays installed and running", "2.0.0")]
    public void A_regression_the_gate_finds_is_reported_as_the_rollback_turned_out(bool earlierVersion, string message, string current)
    {
        string root = temp.Combine("device");
        Directory.CreateDirectory(root);
        if (earlierVersion)
        {
            var first = Repo.Run("bash", [Path.Combine(FakePackage.Create(temp.Combine("pkg1"), "1.0.0"), "install.sh"), "--root", root, "--no-systemd"]);
            Assert.True(first.ExitCode == 0, first.ToString());
        }
        string package = FakePackage.Create(temp.Combine("pkg2"), "2.0.0");
        temp.Script("pkg2/edgeagent-2.0.0-linux-x64/agent/EdgeAgent", """
            case "$1 ${2:-}" in
              "--canary-gate baseline") echo '{}' ;;
              "--canary-gate check") echo "canary gate: frames/s 12.0 is 60% below the 30.0 before the update (limit -20%, --gate fps-drop-percent)"; exit 1 ;;
              *) echo "edgeagent 2.0.0" ;;
            esac
            """);
        string tarball = temp.Combine("edgeagent-2.0.0-linux-x64.tar.gz");
        Assert.Equal(0, Repo.Run("tar", ["-czf", tarball, "-C", Path.GetDirectoryName(package)!, Path.GetFileName(package)]).ExitCode);
        string ssh = temp.Script("fake-ssh", $$"""
            while [ $# -gt 0 ]; do case "$1" in -o|-p|-i) shift 2;; -t) shift;; *) break;; esac; done
            shift
            cmd="$*"; cmd=${cmd//sudo /}; cmd=${cmd//install.sh /install.sh --root {{root}} --no-systemd }
            cmd=${cmd//\/opt\/edgeagent\/current\//{{root}}/opt/edgeagent/current/}
            exec bash -c "$cmd"
            """);
        string scp = temp.Script("fake-scp", """
            while [ $# -gt 0 ]; do case "$1" in -o|-P|-i) shift 2;; -q|-r|-p) shift;; *) break;; esac; done
            files=("$@"); target=${files[-1]}; unset 'files[-1]'
            cp "${files[@]}" "${target#*:}"
            """);

        var r = EdgeKit("--host", "pi@device", "--rid", "linux-x64", "--tarball", tarball, "--bench-frames", "0", "--ssh", ssh, "--scp", scp);

        Assert.Equal(GateFailedExitCode, r.ExitCode);
        Assert.Contains("error: canary gate: frames/s 12.0 is 60% below the 30.0 before the update (limit -20%, --gate fps-drop-percent) on pi@device" + message, r.StdErr);
        Assert.Equal(current, new FileInfo(Path.Combine(root, "opt", "edgeagent", "current")).LinkTarget);
        if (!earlierVersion) Assert.DoesNotContain("rolled back to", r.StdErr);
    }

    /// <summary>edgekit deploy's exit code for a regression the gate found (docs/deploy.md, section 2).</summary>
    private const int GateFailedExitCode = 6;

    public void Dispose() => temp.Dispose();
}
