using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeToolkit.Deploy.Tests;

/// <summary>deploy/arm64/edgeagent.service passes systemd-analyze verify and its security exposure stays low.</summary>
public sealed partial class UnitFileTests
{
    private readonly ITestOutputHelper output;

    public UnitFileTests(ITestOutputHelper output) => this.output = output;

    /// <summary>A copy of the unit whose ExecStart points at an executable that exists (verify checks it).</summary>
    private static string UnitWithExistingBinary(TempDir dir)
    {
        string exe = dir.Combine("EdgeAgent");
        File.WriteAllText(exe, "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(exe, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string text = File.ReadAllText(Repo.Script("edgeagent.service"))
            .Replace("ExecStart=/opt/edgeagent/current/EdgeAgent", "ExecStart=" + exe, StringComparison.Ordinal)
            .Replace("WorkingDirectory=/opt/edgeagent/current", "WorkingDirectory=" + dir.Path, StringComparison.Ordinal);
        Assert.Contains("ExecStart=" + exe, text);
        string unit = dir.Combine("edgeagent.service");
        File.WriteAllText(unit, text);
        return unit;
    }

    [Fact]
    public void Unit_passes_systemd_analyze_verify()
    {
        string tool = Repo.RequireTool("systemd-analyze", "systemd");
        using var dir = new TempDir();
        var r = Repo.Run(tool, ["verify", UnitWithExistingBinary(dir)]);
        output.WriteLine(r.ToString());
        Assert.True(r.ExitCode == 0, r.ToString());
        // verify reports unknown settings and bad values on stderr even when it exits 0.
        Assert.DoesNotContain("Unknown key", r.All);
        Assert.DoesNotContain("Failed to parse", r.All);
    }

    [Fact]
    public void Unit_security_exposure_is_at_most_2_5()
    {
        string tool = Repo.RequireTool("systemd-analyze", "systemd");
        using var dir = new TempDir();
        var r = Repo.Run(tool, ["security", "--offline=true", "--no-pager", UnitWithExistingBinary(dir)]);
        Match m = Exposure().Match(r.All);
        Assert.True(m.Success, "no 'Overall exposure level' line in:\n" + r);
        double exposure = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        output.WriteLine($"systemd-analyze security --offline=true edgeagent.service: exposure {exposure:F1}");
        Console.WriteLine($"edgeagent.service exposure level: {exposure:F1} (limit 2.5)");
        Assert.True(exposure <= 2.5, $"exposure {exposure} > 2.5:\n{r}");
    }

    [Fact]
    public void Unit_keeps_the_settings_the_agent_and_the_camera_need()
    {
        string text = File.ReadAllText(Repo.Script("edgeagent.service"));
        foreach (string line in new[]
        {
            "Type=notify", "Restart=always", "RestartPreventExitStatus=2", "StartLimitIntervalSec=0", "User=edgeagent", "SupplementaryGroups=video",
            "DevicePolicy=closed", "DeviceAllow=char-video4linux rw", "StateDirectory=edgeagent",
            "ConfigurationDirectory=edgeagent", "LogsDirectory=edgeagent", "ProtectSystem=strict",
            "CapabilityBoundingSet=", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
        })
        {
            Assert.Contains("\n" + line + "\n", text);
        }
        // The JIT needs writable+executable mappings, and ORT reads /proc/cpuinfo: these must stay off.
        Assert.DoesNotMatch(new Regex(@"^MemoryDenyWriteExecute=yes", RegexOptions.Multiline), text);
        Assert.DoesNotMatch(new Regex(@"^ProcSubset=pid", RegexOptions.Multiline), text);
        Assert.DoesNotMatch(new Regex(@"^PrivateDevices=yes", RegexOptions.Multiline), text);
    }

    [Fact]
    public void Unit_caps_the_gc_gen0_budget_in_a_form_nativeaot_reads()
    {
        // Without a cap the GC sizes gen0 from the L3 cache and RSS climbs to a plateau tens of MiB higher over the
        // first 10k frames (docs/benchmarks.md, Session 7). NativeAOT's runtime parses DOTNET_ GC values as plain hex
        // only: "0x400000" is ignored without a word, so the value must not carry the prefix.
        string text = File.ReadAllText(Repo.Script("edgeagent.service"));
        Match m = Gen0Size().Match(text);
        Assert.True(m.Success, "edgeagent.service: no Environment=DOTNET_GCgen0size=<hex> line (the agent's gen0 budget cap)");
        Assert.False(m.Groups[1].Value.StartsWith("0x", StringComparison.OrdinalIgnoreCase),
            $"edgeagent.service: DOTNET_GCgen0size={m.Groups[1].Value}: NativeAOT ignores a 0x prefix; write plain hex");
        long bytes = long.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        Assert.InRange(bytes, 1L << 20, 16L << 20);
    }

    [GeneratedRegex(@"^Environment=DOTNET_GCgen0size=(\S+)$", RegexOptions.Multiline)]
    private static partial Regex Gen0Size();

    [Fact]
    public void Docs_state_the_restart_policy_the_unit_has()
    {
        string unit = File.ReadAllText(Repo.Script("edgeagent.service"));
        string docs = File.ReadAllText(Path.Combine(Repo.Root, "docs", "agent.md"));
        foreach (var line in unit.Split('\n').Where(l => l.StartsWith("Restart", StringComparison.Ordinal) || l.StartsWith("StartLimit", StringComparison.Ordinal)))
            Assert.Contains(line.Trim(), docs);
        Assert.DoesNotContain("Restart=on-failure", docs);
    }

    [GeneratedRegex(@"Overall exposure level for \S+: ([0-9]+(?:\.[0-9]+)?)")]
    private static partial Regex Exposure();
}
