using System.Text.Json;

namespace EdgeToolkit.Deploy.Tests;

/// <summary>
/// <c>edgekit latency-table --host</c>: the per-layer latency table measured on a "device" over ssh with
/// <c>edgekit deploy</c>'s transport. As in <see cref="PullCapturesCommandTests"/>, ssh and scp are small scripts that
/// run the remote command / copy the files locally, and the device's agent is this build's EdgeAgent.dll
/// (<c>EdgeAgent --time-models</c>), so the real argument lists, the remote timing and the cache are exercised.
/// </summary>
public sealed class LatencyTableOverSshTests : IDisposable
{
    private readonly TempDir temp = new("latency-ssh");
    private readonly ITestOutputHelper output;

    public LatencyTableOverSshTests(ITestOutputHelper output) => this.output = output;

    private ProcessResult EdgeKit(params string[] args)
    {
        var r = Repo.Run("dotnet", [Repo.EdgeKitDll, "latency-table", .. args]);
        output.WriteLine(r.ToString());
        return r;
    }

    // Options with a value, then the host (logged); the rest is the remote command line, run by a shell as sshd does.
    private string FakeSsh() => temp.Script("fake-ssh", """
        while [ $# -gt 0 ]; do case "$1" in -o|-p|-i) shift 2;; -t) shift;; *) break;; esac; done
        echo "$1" >> "$(dirname "$0")/ssh-hosts"; shift
        exec bash -c "$*"
        """);

    // Options, then local files and host:folder/: a local copy into folder.
    private string FakeScp() => temp.Script("fake-scp", """
        while [ $# -gt 0 ]; do case "$1" in -o|-P|-i) shift 2;; -q|-r|-p) shift;; *) break;; esac; done
        files=("$@"); target=${files[-1]}; unset 'files[-1]'
        cp "${files[@]}" "${target#*:}"
        """);

    // The device's agent: this build's EdgeAgent.dll.
    private string Agent() => temp.Script("EdgeAgent", $"exec dotnet {Path.Combine(AppContext.BaseDirectory, "EdgeAgent.dll")} \"$@\"\n");

    private static HashSet<string> Stages() => [.. Directory.GetDirectories(Path.GetTempPath(), "edgekit-latency.*")];

    [Fact]
    public void The_table_is_measured_on_the_device_by_its_agent_cached_under_its_fingerprint_and_reused()
    {
        string cache = temp.Combine("cache");
        var before = Stages();
        string[] args = ["--host", "pi@raspberrypi.local", "--ssh", FakeSsh(), "--scp", FakeScp(), "--agent", Agent(),
            "--cache", cache, "--runs", "5", "--warmup", "1", "--alpha", "0.5", "--rounds", "1"];

        var r = EdgeKit(args);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("==> read the device's fingerprint: ", r.StdOut);
        Assert.Contains(" pi@raspberrypi.local ", r.StdOut);
        Assert.Matches(@"==> time \d+ model\(s\) on the device: .*--time-models --threads 1 --runs 5 --warmup 1 /tmp/edgekit-latency\.[A-Za-z0-9]{10}/block0\.onnx", r.StdOut);
        Assert.Matches(@"(?m)^[1-9]\d* block\(s\) measured now", r.StdOut);
        Assert.Matches(@"(?m)^\| alpha 0\.5 \| [0-9,]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|$", r.StdOut);
        Assert.Contains("pi@raspberrypi.local", File.ReadAllText(temp.Combine("ssh-hosts")));
        Assert.Subset(before, Stages()); // every folder made on the device is removed again

        // The cache file is named by the device's fingerprint and holds what the device measured.
        string file = Assert.Single(Directory.GetFiles(cache, "*.json"));
        using (var doc = JsonDocument.Parse(File.ReadAllText(file)))
        {
            var fingerprint = doc.RootElement.GetProperty("fingerprint");
            Assert.Equal(1, fingerprint.GetProperty("threads").GetInt32());
            Assert.Equal("fp32", fingerprint.GetProperty("precision").GetString());
            Assert.False(fingerprint.GetProperty("emulated").GetBoolean());
            var entries = doc.RootElement.GetProperty("entries").EnumerateObject().ToList();
            Assert.True(entries.Count >= 5, $"{entries.Count} entries"); // overhead, stem, the distinct separable layers, head
            Assert.All(entries, e => Assert.True(e.Value.GetDouble() > 0, e.Name));
        }

        var again = EdgeKit(args);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("0 block(s) measured now", again.StdOut);
        Assert.DoesNotContain("block0.onnx", again.StdOut); // only the whole network is timed again
    }

    [Fact]
    public void An_int8_table_on_the_device_is_quantized_for_the_family_it_names_and_cached_apart()
    {
        string cache = temp.Combine("cache");
        string[] args = ["--host", "pi@device", "--ssh", FakeSsh(), "--scp", FakeScp(), "--agent", Agent(),
            "--cache", cache, "--runs", "5", "--warmup", "1", "--alpha", "0.25", "--rounds", "1", "--latency-precision", "int8"];

        // "host" is this machine, not the device: an int8 table over ssh must name the device's CPU family.
        var refused = EdgeKit(args);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("latencyTarget is host (this machine) but the int8 table is measured on a device", refused.StdErr);
        Assert.False(Directory.Exists(cache));

        // The stand-in device is this x86 host, so it can run models quantized for x64 (uint8 activations).
        var r = EdgeKit([.. args, "--latency-target", "x64"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains(", int8 x64 uint8 activations (0 cached blocks", r.StdOut);
        Assert.Matches(@"(?m)^\| alpha 0\.25 \| [0-9,]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|$", r.StdOut);
        string file = Assert.Single(Directory.GetFiles(cache, "*.json"));
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        Assert.Equal("int8 x64 uint8 activations", doc.RootElement.GetProperty("fingerprint").GetProperty("precision").GetString());
        Assert.All(doc.RootElement.GetProperty("entries").EnumerateObject(), e => Assert.True(e.Value.GetDouble() > 0, e.Name));
    }

    [Fact]
    public void A_device_without_the_agent_fails_clearly()
    {
        var r = EdgeKit("--host", "pi@device", "--ssh", FakeSsh(), "--scp", FakeScp(), "--agent", temp.Combine("no-agent", "EdgeAgent"),
            "--cache", temp.Combine("cache"), "--alpha", "0.5");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"{temp.Combine("no-agent", "EdgeAgent")} not found there (exit 127); install the agent with edgekit deploy", r.StdErr);
        Assert.False(Directory.Exists(temp.Combine("cache")));
    }

    [Theory]
    [InlineData("--host", "-oProxyCommand=x", "--host '-oProxyCommand=x': expected user@host")]
    [InlineData("--port", "0", "--port 0: expected 1..65535")]
    [InlineData("--agent", "EdgeAgent", "--agent 'EdgeAgent': expected an absolute path")]
    [InlineData("--agent", "/opt/$(reboot)/EdgeAgent", "--agent '/opt/$(reboot)/EdgeAgent': expected an absolute path")]
    [InlineData("--identity", "/nonexistent/key", "--identity '/nonexistent/key': file not found")]
    public void Bad_arguments_are_refused_naming_the_option(string option, string value, string message)
    {
        var args = new List<string> { "--host", "pi@device", "--ssh", FakeSsh(), "--scp", FakeScp() };
        if (option == "--host") args[1] = value; else args.AddRange([option, value]);
        var r = EdgeKit([.. args]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(message, r.StdErr);
    }

    public void Dispose() => temp.Dispose();
}
