using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EdgeToolkit.Deploy.Tests;

/// <summary>
/// The agent reports how it runs, once at start in its log and in every status (status file, /health, bench report):
/// NativeAOT or JIT and the GC settings in effect. The GC reads its configuration only when the process starts, so each
/// case is a fresh agent process (this build's EdgeAgent.dll) started with or without the service's environment: run by
/// hand the gen0 budget is the runtime's default (sized from the L3 cache), under the unit's
/// <c>Environment=DOTNET_GCgen0size=...</c> it is the cap. (The NativeAOT package is checked in <see cref="SlimPackageTests"/>.)
/// </summary>
public sealed partial class RuntimeReportTests : IDisposable
{
    private const long MiB = 1 << 20;
    private readonly TempDir temp = new("deploy-runtime");
    private readonly ITestOutputHelper output;

    public RuntimeReportTests(ITestOutputHelper output) => this.output = output;

    /// <summary>The unit's DOTNET_GC* Environment= lines, as systemd passes them to the service.</summary>
    internal static Dictionary<string, string?> UnitGcEnvironment()
    {
        var env = UnitGcLine().Matches(File.ReadAllText(Repo.Script("edgeagent.service")))
            .ToDictionary(m => m.Groups[1].Value, m => (string?)m.Groups[2].Value, StringComparer.Ordinal);
        Assert.True(env.ContainsKey("DOTNET_GCgen0size"), "edgeagent.service: no Environment=DOTNET_GCgen0size= line");
        return env;
    }

    /// <summary>Every DOTNET_GC*/COMPlus_GC* variable of this test process removed, then <paramref name="set"/>: the agent sees only those.</summary>
    internal static Dictionary<string, string?> OnlyGcEnvironment(IReadOnlyDictionary<string, string?> set)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (string name in Environment.GetEnvironmentVariables().Keys.Cast<string>())
        {
            if (name.StartsWith("DOTNET_GC", StringComparison.OrdinalIgnoreCase) || name.StartsWith("COMPlus_GC", StringComparison.OrdinalIgnoreCase))
                env[name] = null;
        }
        foreach (var (k, v) in set) env[k] = v;
        return env;
    }

    [Fact]
    public void Status_file_and_log_report_the_gc_settings_the_agent_process_started_with()
    {
        string bundle = TinyBundle.Write(temp.Combine("bundle"));
        var unit = UnitGcEnvironment();

        var byHand = Run(bundle, "by-hand", new Dictionary<string, string?>());
        var service = Run(bundle, "unit", unit);
        // Settings the GC can only have taken at start, with values that cannot come from its defaults.
        var limited = Run(bundle, "server-limit", new Dictionary<string, string?> { ["DOTNET_gcServer"] = "1", ["DOTNET_GCHeapHardLimit"] = "0x10000000" });
        // A gen0 budget above the unit's cap and off the defaults' sizes: GCgen0size is hex, 2100000 = 33 MiB.
        var wide = Run(bundle, "wide-gen0", new Dictionary<string, string?> { ["DOTNET_GCgen0size"] = "2100000" });

        foreach (var (status, log) in new[] { byHand, service, limited, wide })
        {
            Assert.Equal("JIT", status.GetProperty("compilation").GetString());
            Assert.StartsWith(".NET 10", status.GetProperty("framework").GetString(), StringComparison.Ordinal);
            Assert.Matches(@"Runtime: JIT \.NET 10\S*; GC (workstation|server), (concurrent|non-concurrent), gen0 budget \d+\.\d MiB", log);
        }

        // By hand: no GC environment; the runtime's defaults (workstation, concurrent) and its own gen0 budget.
        var gc = byHand.Status.GetProperty("gc");
        Assert.False(gc.GetProperty("server").GetBoolean());
        Assert.True(gc.GetProperty("concurrent").GetBoolean());
        Assert.Equal(0, gc.GetProperty("heapHardLimitBytes").GetInt64());
        Assert.Empty(gc.GetProperty("environment").EnumerateObject());
        Assert.Contains("GC environment: none", byHand.Log, StringComparison.Ordinal);
        long defaultBudget = gc.GetProperty("gen0BudgetBytes").GetInt64();

        // Under the unit's environment: the variable as written and the cap in effect (4 MiB asked; the GC takes at
        // least 6 MiB as its largest gen0 budget), never more than the default.
        gc = service.Status.GetProperty("gc");
        foreach (var (name, value) in unit)
            Assert.Equal(value, gc.GetProperty("environment").GetProperty(name).GetString());
        long capped = gc.GetProperty("gen0BudgetBytes").GetInt64();
        output.WriteLine($"gen0 budget: by hand {defaultBudget / (double)MiB:F1} MiB, under the unit {capped / (double)MiB:F1} MiB (DOTNET_GCgen0size={unit["DOTNET_GCgen0size"]})");
        Assert.InRange(capped, 4 * MiB, 8 * MiB);
        // The default is sized from the L3 cache: 52.5 MiB on the Intel Xeon's 105 MiB L3, where the cap shows, but the GC's
        // 6 MiB floor on the 8 MiB L3 of the AMD EPYC (Zen 1) of session 15, where cap and default are the same budget.
        Assert.True(capped <= defaultBudget, $"gen0 budget under the unit {capped} B is above the default {defaultBudget} B");
        Assert.Contains($"DOTNET_GCgen0size={unit["DOTNET_GCgen0size"]}", service.Log, StringComparison.Ordinal);

        // On every CPU, a budget that can only have come from the environment the process started with.
        gc = wide.Status.GetProperty("gc");
        Assert.Equal("2100000", gc.GetProperty("environment").GetProperty("DOTNET_GCgen0size").GetString());
        Assert.Equal(33 * MiB, gc.GetProperty("gen0BudgetBytes").GetInt64());
        Assert.Contains("gen0 budget 33.0 MiB", wide.Log, StringComparison.Ordinal);

        // Server GC with one heap per core, and the hard limit (0x10000000 = 256 MiB) as the GC took it.
        gc = limited.Status.GetProperty("gc");
        Assert.True(gc.GetProperty("server").GetBoolean());
        Assert.Equal(Environment.ProcessorCount, gc.GetProperty("heapCount").GetInt32());
        Assert.Equal(256 * MiB, gc.GetProperty("heapHardLimitBytes").GetInt64());
        Assert.Contains("GC server", limited.Log, StringComparison.Ordinal);
        Assert.Contains("heap hard limit 256.0 MiB", limited.Log, StringComparison.Ordinal);
    }

    /// <summary>Starts the agent with <paramref name="environment"/> as its only GC environment, waits for a status file that reports it running, stops it; returns that status's <c>runtime</c> and the agent's log.</summary>
    private (JsonElement Status, string Log) Run(string bundle, string name, IReadOnlyDictionary<string, string?> environment)
    {
        string work = temp.Combine(name);
        Directory.CreateDirectory(work);
        string statusFile = Path.Combine(work, "status.json");
        using var agent = new LocalAgent(LocalAgent.JitAgent,
        [
            $"Bundle={bundle}", $"StatusFile={statusFile}", "SummarySeconds=1", "ReloadPollSeconds=0", "Source:Kind=synthetic",
            "Source:PixelFormat=jpeg", "Source:Width=64", "Source:Height=48", "Source:FramesPerSecond=30", "Metrics:PrometheusEnabled=false",
        ], work, OnlyGcEnvironment(environment));
        var watch = Stopwatch.StartNew();
        JsonElement? runtime = null;
        // A safety net against a hung agent, not a timing assertion.
        while (runtime is null && watch.Elapsed.TotalSeconds < 120 && !agent.HasExited)
        {
            Thread.Sleep(250);
            if (!File.Exists(statusFile)) continue;
            using var doc = JsonDocument.Parse(File.ReadAllText(statusFile));
            if (doc.RootElement.GetProperty("state").GetString() == "running" && doc.RootElement.TryGetProperty("runtime", out var r))
                runtime = r.Clone();
        }
        int exit = agent.Terminate();
        output.WriteLine($"--- {name}: exit {exit}\n{agent.Log}");
        Assert.True(runtime is not null, $"{name}: no status with runtime in {statusFile}:\n{agent.Log}");
        Assert.Equal(0, exit);
        output.WriteLine(runtime.Value.ToString());
        return (runtime.Value, agent.Log);
    }

    [GeneratedRegex(@"^Environment=(DOTNET_[gG][cC]\w*)=(\S+)$", RegexOptions.Multiline)]
    private static partial Regex UnitGcLine();

    public void Dispose() => temp.Dispose();
}
