using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;

namespace EdgeToolkit.Deploy.Tests;

/// <summary>deploy/arm64/ansible/playbook.yml: syntax check, and a rollout against localhost into a test root.</summary>
public sealed class AnsiblePlaybookTests : IDisposable
{
    private readonly TempDir temp = new("deploy-ansible");
    private readonly ITestOutputHelper output;

    public AnsiblePlaybookTests(ITestOutputHelper output) => this.output = output;

    private static string Playbook => Path.Combine(Repo.Arm64Dir, "ansible", "playbook.yml");

    private static readonly Dictionary<string, string?> AnsibleEnv = new()
    {
        ["ANSIBLE_NOCOLOR"] = "1",
        ["ANSIBLE_HOST_KEY_CHECKING"] = "False",
        ["ANSIBLE_RETRY_FILES_ENABLED"] = "False",
        ["ANSIBLE_LOCAL_TEMP"] = Path.Combine(Path.GetTempPath(), "deploy-ansible-tmp"),
        ["ANSIBLE_REMOTE_TEMP"] = Path.Combine(Path.GetTempPath(), "deploy-ansible-tmp"),
    };

    [Fact]
    public void Playbook_passes_syntax_check()
    {
        string tool = Repo.RequireTool("ansible-playbook", "ansible");
        var r = Repo.Run(tool, ["--syntax-check", "-i", Path.Combine(Repo.Arm64Dir, "ansible", "inventory.example.ini"), Playbook,
            "-e", "edgeagent_tarball=edgeagent-0.1.0-linux-arm64.tar.gz"], AnsibleEnv);
        output.WriteLine(r.ToString());
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    /// <summary>Packs a fake package as the tarball publish.sh would make.</summary>
    private string Tarball(string version)
    {
        string pkg = FakePackage.Create(temp.Combine("pkg-" + version), version);
        string tarball = temp.Combine($"edgeagent-{version}-linux-x64.tar.gz");
        using (var gz = new GZipStream(File.Create(tarball), CompressionLevel.Fastest))
        {
            TarFile.CreateFromDirectory(pkg, gz, includeBaseDirectory: true);
        }
        return tarball;
    }

    private ProcessResult Rollout(string tarball, string root, string healthUrl)
    {
        string tool = Repo.RequireTool("ansible-playbook", "ansible");
        var r = Repo.Run(tool,
        [
            "-i", "localhost,", "-c", "local", Playbook,
            "-e", "edgeagent_hosts=all", "-e", "edgeagent_become=false",
            "-e", "edgeagent_tarball=" + tarball, "-e", "edgeagent_root=" + root, "-e", "edgeagent_no_systemd=true",
            "-e", "edgeagent_staging=" + temp.Combine("staging"), "-e", "edgeagent_health_url=" + healthUrl,
            "-e", "edgeagent_health_retries=1", "-e", "edgeagent_health_delay=1",
            // The fake package has no agent to read figures from: install and health only (the gate: CanaryRolloutTests).
            "-e", "edgeagent_gate=false",
        ], AnsibleEnv, timeoutSeconds: 600);
        output.WriteLine(r.ToString());
        return r;
    }

    [Fact]
    public void Rollout_installs_checks_health_and_rolls_back_when_health_fails()
    {
        Repo.RequireTool("python3", "python3");
        string root = temp.Combine("root");
        // The "agent's" health endpoint: a loopback HTTP server answering /health with 200.
        string www = temp.Combine("www");
        Directory.CreateDirectory(www);
        File.WriteAllText(Path.Combine(www, "health"), "ok");
        int port = FreePort();
        using var server = Process.Start(new ProcessStartInfo("python3", ["-m", "http.server", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--directory", www])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            WaitForPort(port);
            var first = Rollout(Tarball("1.0.0"), root, $"http://127.0.0.1:{port}/health");
            Assert.True(first.ExitCode == 0, first.ToString());
            Assert.Equal("1.0.0", new FileInfo(Path.Combine(root, "opt/edgeagent/current")).LinkTarget);

            // 1.1.0 installs, but its health check fails (nothing listens there): the playbook rolls back.
            var second = Rollout(Tarball("1.1.0"), root, $"http://127.0.0.1:{FreePort()}/health");
            Assert.NotEqual(0, second.ExitCode);
            Assert.Contains("rolled back to the previous version", second.StdOut);
            Assert.Equal("1.0.0", new FileInfo(Path.Combine(root, "opt/edgeagent/current")).LinkTarget);
            Assert.True(Directory.Exists(Path.Combine(root, "opt/edgeagent/1.1.0")));
        }
        finally
        {
            server.Kill();
            server.WaitForExit();
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static void WaitForPort(int port)
    {
        // Python's start-up takes seconds on a loaded machine: wait up to a minute.
        for (int i = 0; i < 600; i++)
        {
            try
            {
                using var c = new TcpClient();
                c.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }
        Assert.Fail($"the test HTTP server did not listen on 127.0.0.1:{port}");
    }

    public void Dispose() => temp.Dispose();
}
