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
            $"{ssh} pi@raspberrypi.local '/opt/edgeagent/current/EdgeAgent --canary-gate check --soak-seconds=5 --top1-drop=0.1 --names edgekit < {stage}/baseline.json; rc=$?; if [ $rc -eq 1 ]; then sudo {package}/install.sh --rollback --timeout 90 >&2; fi; rm -rf {stage}; exit $rc'",
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

    public void Dispose() => temp.Dispose();
}
