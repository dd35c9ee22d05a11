namespace EdgeToolkit.Deploy.Tests;

/// <summary>
/// <c>edgekit pull-captures</c> against a local folder standing in for the device: ssh and scp are small scripts that
/// run the remote command / copy the remote path locally, so the real argument lists and the merge are exercised.
/// </summary>
public sealed class PullCapturesCommandTests : IDisposable
{
    private const string Cat1 = "20261130T101500.000Z-00000010.jpg";
    private const string Cat2 = "20261130T101501.000Z-00000020.jpg";
    private const string Dog1 = "20261130T101502.000Z-00000030.jpg";
    private readonly TempDir temp = new("pull-captures");
    private readonly ITestOutputHelper output;

    public PullCapturesCommandTests(ITestOutputHelper output) => this.output = output;

    private ProcessResult EdgeKit(params string[] args)
    {
        var r = Repo.Run("dotnet", [Repo.EdgeKitDll, "pull-captures", .. args]);
        output.WriteLine(r.ToString());
        return r;
    }

    // Options with a value, then the host; the rest is the remote command, run here.
    private string FakeSsh() => temp.Script("fake-ssh", """
        while [ $# -gt 0 ]; do case "$1" in -o|-p|-i) shift 2;; -t) shift;; *) break;; esac; done
        echo "$1" >> "$(dirname "$0")/ssh-hosts"; shift
        exec "$@"
        """);

    // Options, then host:path and a local target: a local copy of path.
    private string FakeScp() => temp.Script("fake-scp", """
        while [ $# -gt 0 ]; do case "$1" in -o|-P|-i) shift 2;; -q|-r|-p) shift;; *) break;; esac; done
        cp -rp "${1#*:}" "$2"
        """);

    private string Device()
    {
        string root = temp.Combine("device", "captures");
        foreach (var (label, name) in new[] { ("cat", Cat1), ("cat", Cat2), ("dog", Dog1) })
        {
            Directory.CreateDirectory(Path.Combine(root, label));
            File.WriteAllText(Path.Combine(root, label, name), $"jpeg {name}");
        }
        File.WriteAllText(Path.Combine(root, "cat", ".20261130T101503.000Z-00000040.jpg.tmp"), "half written");
        File.WriteAllText(Path.Combine(root, "cat", "notes.txt"), "not a capture");
        File.WriteAllLines(Path.Combine(root, "captures.jsonl"),
        [
            $"{{\"file\":\"cat/{Cat1}\",\"frame\":10}}",
            $"{{\"file\":\"cat/{Cat2}\",\"frame\":20}}",
            $"{{\"file\":\"dog/{Dog1}\",\"frame\":30}}",
            "{\"file\":\"cat/cut-by-a-power-lo",
        ]);
        return root;
    }

    [Fact]
    public void New_captures_are_added_and_relabelled_ones_are_not_fetched_again()
    {
        string device = Device();
        string local = temp.Combine("dataset");
        Directory.CreateDirectory(Path.Combine(local, "dog"));
        File.WriteAllText(Path.Combine(local, "dog", Cat1), "a person moved this cat capture to dog");
        string ssh = FakeSsh(), scp = FakeScp();

        var r = EdgeKit("--host", "pi@raspberrypi.local", "--remote", device, "--out", local, "--ssh", ssh, "--scp", scp);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains($"pulled 2 new capture(s) into {local} (1 already there or relabelled)", r.StdOut);
        Assert.Equal("a person moved this cat capture to dog", File.ReadAllText(Path.Combine(local, "dog", Cat1)));
        Assert.False(File.Exists(Path.Combine(local, "cat", Cat1)));
        Assert.Equal($"jpeg {Cat2}", File.ReadAllText(Path.Combine(local, "cat", Cat2)));
        Assert.Equal($"jpeg {Dog1}", File.ReadAllText(Path.Combine(local, "dog", Dog1)));
        Assert.False(File.Exists(Path.Combine(local, "cat", "notes.txt")));
        Assert.Empty(Directory.GetFiles(local, "*.tmp", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetDirectories(local, ".pull-*"));
        Assert.Equal([$"{{\"file\":\"cat/{Cat2}\",\"frame\":20}}", $"{{\"file\":\"dog/{Dog1}\",\"frame\":30}}"],
            File.ReadAllLines(Path.Combine(local, "captures.jsonl")));
        Assert.Equal(3, Directory.GetFiles(device, "*.jpg", SearchOption.AllDirectories).Length); // the device keeps its ring
        Assert.Contains("pi@raspberrypi.local", File.ReadAllText(temp.Combine("ssh-hosts")));

        var again = EdgeKit("--host", "pi@raspberrypi.local", "--remote", device, "--out", local, "--ssh", ssh, "--scp", scp);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("pulled 0 new capture(s)", again.StdOut);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(local, "captures.jsonl")).Length);
    }

    [Fact]
    public void A_missing_capture_folder_fails_clearly()
    {
        var r = EdgeKit("--host", "pi@device", "--remote", temp.Combine("no-such-folder"), "--out", temp.Combine("out"), "--ssh", FakeSsh(), "--scp", FakeScp());
        Assert.Equal(5, r.ExitCode);
        Assert.Contains("is not a folder there", r.StdErr);
        Assert.Empty(Directory.Exists(temp.Combine("out")) ? Directory.GetFileSystemEntries(temp.Combine("out")) : []);
    }

    [Fact]
    public void Dry_run_prints_deploys_ssh_and_scp_commands()
    {
        var r = EdgeKit("--host", "pi@raspberrypi.local", "--port", "2222", "--out", "/tmp/x", "--dry-run");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("+ ssh -o BatchMode=yes -o ConnectTimeout=10 -p 2222 pi@raspberrypi.local test -d /var/lib/edgeagent/captures", r.StdOut);
        Assert.Matches(@"\+ scp -q -r -p -o BatchMode=yes -o ConnectTimeout=10 -P 2222 pi@raspberrypi.local:/var/lib/edgeagent/captures /tmp/x/\.pull-[0-9a-f]{32}/", r.StdOut);
    }

    [Theory]
    [InlineData("--host", "-oProxyCommand=x", "--host '-oProxyCommand=x': expected user@host")]
    [InlineData("--remote", "relative/path", "--remote 'relative/path': expected an absolute path")]
    [InlineData("--remote", "/var/lib/$(reboot)", "--remote '/var/lib/$(reboot)': expected an absolute path")]
    [InlineData("--remote", "/var/lib/../etc", "--remote '/var/lib/../etc': expected an absolute path")]
    public void Bad_arguments_are_refused_naming_the_option(string option, string value, string message)
    {
        var args = new List<string> { "--host", "pi@device", "--out", temp.Combine("o"), "--dry-run" };
        if (option == "--host") args[1] = value; else args.AddRange([option, value]);
        var r = EdgeKit([.. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.StdErr);
    }

    public void Dispose() => temp.Dispose();
}
