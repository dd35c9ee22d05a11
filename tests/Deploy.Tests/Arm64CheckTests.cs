using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;

namespace EdgeToolkit.Deploy.Tests;

/// <summary>
/// The linux-arm64 package on an x86_64 host (<see cref="Arm64Proof"/> runs deploy/arm64/check-arm64.sh once): the
/// arm64 agent under qemu-aarch64-static with the core of every board class we name (-cpu cortex-a53, cortex-a72,
/// cortex-a76, cortex-a57, each with its board's /proc/cpuinfo) over a few frames with our MobileNet and a foreign
/// (PyTorch-style) graph, each fp32 and int8, compared with the x64 agent's predictions; the arm64 tarball's contents;
/// and that tarball installed by its own install.sh into an emulated arm64 Debian root booted with systemd as PID 1
/// (deploy/testdevice/device.sh --arch arm64), running as the real unit, predicting like x64.
/// </summary>
public sealed class Arm64CheckTests : IClassFixture<Arm64Proof>
{
    private readonly Arm64Proof proof;
    private readonly ITestOutputHelper output;

    public Arm64CheckTests(Arm64Proof proof, ITestOutputHelper output)
    {
        this.proof = proof;
        this.output = output;
    }

    [Fact]
    public void Arm64_agent_on_each_board_cpu_under_qemu_prints_the_latency_table_and_predicts_like_x64()
    {
        output.WriteLine(proof.Log);
        var r = proof.Check;
        output.WriteLine(r.ToString());
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("check-arm64.sh: PASSED", r.StdOut);
        Assert.Contains("arm64 equals x64", r.StdOut);
        Assert.Contains("NOT latency figures", r.StdOut);
        Assert.Matches(@"(?m)^stage +count +p50 ms", r.StdOut);
        // One proof line per CPU and bundle, with the features the emulated core reported beside it.
        foreach (string cpu in Arm64Proof.BoardCpus)
        {
            foreach (string b in proof.Bundles)
                Assert.Matches($@"(?m)^check-arm64\.sh: proof: {cpu} \([^)]+\) \| {Path.GetFileName(b)} \| exit 0, no SIGILL \| (\d+)/\1 frames top-1 = x64, max \|dp\| \S+ <= 0\.0001 \| asimd=yes asimddp=(yes|no) ", r.StdOut);
        }
        // The cores differ where ONNX Runtime's kernels do: dot product on the Pi 5's A76 only.
        Assert.Matches(@"(?m)^check-arm64\.sh: proof: cortex-a76 .*asimddp=yes fphp=yes", r.StdOut);
        foreach (string cpu in new[] { "cortex-a53", "cortex-a72", "cortex-a57" })
            Assert.Matches($@"(?m)^check-arm64\.sh: proof: {cpu} .*asimddp=no fphp=no asimdhp=no i8mm=no bf16=no sve=no", r.StdOut);

        // The arm64 tarball: agent, unit, config, scripts; no Windows ONNX Runtime files.
        string tarball = proof.Arm64Tarball;
        var names = new List<string>();
        using (var gz = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress))
        using (var reader = new TarReader(gz))
        {
            while (reader.GetNextEntry() is { } e) names.Add(e.Name.TrimEnd('/'));
        }
        string top = Path.GetFileName(tarball)[..^".tar.gz".Length];
        foreach (string expected in new[] { "agent/EdgeAgent", "agent/libonnxruntime.so", "edgeagent.service", "appsettings.json", "install.sh", "uninstall.sh", "VERSION", "bundle/manifest.json", "bundle/model.onnx" })
            Assert.Contains($"{top}/{expected}", names);
        Assert.DoesNotContain(names, n => Path.GetFileName(n) is "onnxruntime.dll" or "onnxruntime_providers_shared.dll");
        Assert.Contains($"{top}/agent/Microsoft.ML.OnnxRuntime.dll", names); // the managed wrapper stays
        Assert.DoesNotContain(names, n => n.Contains("/runtimes/win", StringComparison.Ordinal));
        // The emulation-only drop-in of the test device is never part of the package.
        Assert.DoesNotContain(names, n => n.Contains("qemu", StringComparison.Ordinal));
    }

    /// <summary>
    /// The arm64 package as a device gets it: the real install.sh in an arm64 Debian root with systemd as PID 1, every
    /// arm64 program (systemd, the agent) run through qemu-user by binfmt_misc. The unit is the shipped one plus the
    /// test device's emulation-only drop-in (deploy/testdevice/edgeagent-qemu.conf, docs/deploy.md section 12);
    /// hardening is judged on the x64 device (DeviceServiceTests), not here.
    /// </summary>
    [Fact]
    public void Arm64_package_installed_in_an_emulated_arm64_root_runs_under_systemd_and_predicts_like_x64()
    {
        Assert.True(proof.Check.ExitCode == 0, "check-arm64.sh failed, so there is no arm64 tarball or x64 reference: " + proof.Check);
        string tarball = proof.Arm64Tarball, name = Path.GetFileName(tarball)[..^".tar.gz".Length];
        var x64 = AgentResults.Read(proof.X64Results); // the frames the x64 bench classified (--count of them)
        int frames = Directory.GetFiles(proof.Frames).Length;
        Assert.NotEmpty(x64);

        using var device = TestDevice.Boot(output, "arm64");
        string Ok(string script, int timeoutSeconds = 600)
        {
            var r = device.Sh(script, timeoutSeconds);
            output.WriteLine($"$ {script}\n{r}");
            Assert.True(r.ExitCode == 0, $"{script}: {r}");
            return r.StdOut.Trim();
        }
        string Show(string property) => Ok($"systemctl show -p {property} --value edgeagent");

        Assert.Equal("aarch64", Ok("uname -m")); // qemu-user reports the guest's machine
        device.CopyIn(tarball, "/root/" + Path.GetFileName(tarball));
        Ok($"tar -xzf /root/{Path.GetFileName(tarball)} -C /root && mkdir -p /etc/edgeagent /srv");
        device.CopyIn(proof.Frames, "/srv/frames");
        int healthPort = DeviceFixture.FreePort(), prometheusPort = DeviceFixture.FreePort();
        // The frames in a loop at 2 fps (emulated inference is 30-40x slower than a device), every prediction to
        // the results file in the service's state directory, loopback ports (the container shares the host's network).
        File.WriteAllText(device.HostPath("/etc/edgeagent/appsettings.json"), $$"""
            {
              "EdgeAgent": {
                "Bundle": "/var/lib/edgeagent/models/current",
                "StatusFile": "/var/lib/edgeagent/status.json",
                "ResultsFile": "/var/lib/edgeagent/results.jsonl",
                "IntraOpThreads": 1,
                "Source": { "Kind": "folder", "Path": "/srv/frames", "Loop": true, "FramesPerSecond": 2 },
                "Metrics": {
                  "PrometheusHost": "127.0.0.1", "PrometheusPort": {{prometheusPort}},
                  "HealthHost": "127.0.0.1", "HealthPort": {{healthPort}}
                }
              }
            }
            """);

        var watch = Stopwatch.StartNew();
        var install = device.Sh($"/root/{name}/install.sh --timeout 600", 1500);
        output.WriteLine($"install.sh ({watch.Elapsed.TotalSeconds:F0} s, load {File.ReadAllText("/proc/loadavg").Trim()}):\n{install}");
        if (install.ExitCode != 0) output.WriteLine(device.Sh("journalctl -u edgeagent --no-pager | tail -60").ToString());
        Assert.True(install.ExitCode == 0, install.ToString());
        Assert.Contains("installed and ready", install.StdOut);
        Assert.Equal("active", Show("ActiveState"));
        Assert.Equal("notify", Show("Type"));
        Assert.Equal("edgeagent", Show("User"));
        long start = long.Parse(Show("ExecMainStartTimestampMonotonic"), System.Globalization.CultureInfo.InvariantCulture);
        long active = long.Parse(Show("ActiveEnterTimestampMonotonic"), System.Globalization.CultureInfo.InvariantCulture);
        output.WriteLine($"start -> READY under emulation: {(active - start) / 1e6:F1} s (not a device figure)");
        // The unit as shipped, plus only the emulation drop-in of the test device.
        Assert.Equal(File.ReadAllText(Repo.Script("edgeagent.service")), File.ReadAllText(device.HostPath("/etc/systemd/system/edgeagent.service")));
        const string dropIn = "/etc/systemd/system/edgeagent.service.d/90-qemu-emulation.conf";
        Assert.Equal(dropIn, Show("DropInPaths"));
        Assert.Equal(File.ReadAllText(Path.Combine(Repo.Root, "deploy", "testdevice", "edgeagent-qemu.conf")), File.ReadAllText(device.HostPath(dropIn)));
        // The agent is the arm64 build, run by qemu: an aarch64 ELF (e_machine 0xb7) whose process image is the emulator.
        Assert.Equal("b700", Ok("od -An -tx1 -j18 -N2 /opt/edgeagent/current/EdgeAgent | tr -d ' '"));
        string pid = Show("MainPID");
        Assert.EndsWith("qemu-aarch64-static", Ok($"readlink /proc/{pid}/exe"));

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        (int Status, string Body) Health() => TestDevice.Get(http, $"http://127.0.0.1:{healthPort}/health");
        // Every frame classified at least once by the service (one loop over the folder).
        var deadline = Stopwatch.StartNew();
        Dictionary<string, Prediction> arm64 = [];
        while (deadline.Elapsed.TotalSeconds < 600)
        {
            string results = device.HostPath("/var/lib/edgeagent/results.jsonl");
            arm64 = File.Exists(results) ? AgentResults.Read(results) : [];
            if (arm64.Count >= frames && Health().Status == 200) break;
            Thread.Sleep(2000);
        }
        var (status, body) = Health();
        Assert.True(status == 200, $"health: {status} {body}");
        using (var doc = JsonDocument.Parse(body))
            Assert.True(doc.RootElement.GetProperty("healthy").GetBoolean(), body);
        Assert.True(arm64.Count == frames, $"the service classified {arm64.Count} of {frames} frames in {deadline.Elapsed.TotalSeconds:F0} s");

        // Same frame -> the x64 agent's top-1 class, and every class both report within 1e-4 (the results file keeps 5 decimals).
        double worst = AgentResults.AssertSame(x64, arm64, 1e-4, "x64", "arm64", output);
        output.WriteLine($"{x64.Count}/{x64.Count} frames top-1 = x64 under systemd, max |dp| {worst:G3}");
    }
}
