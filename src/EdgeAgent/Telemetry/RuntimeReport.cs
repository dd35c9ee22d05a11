using System.Collections;
using System.Globalization;
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgeToolkit.EdgeAgent.Telemetry;

/// <summary>
/// How this agent runs, as the runtime took it at start: NativeAOT or JIT, and the garbage collector's settings in
/// effect. The GC reads its configuration (DOTNET_GC* environment variables, runtimeconfig.json) once, when the process
/// starts, so the service's cap (the unit's <c>Environment=DOTNET_GCgen0size=400000</c>) is missing when the agent is run
/// by hand; the log line at start and the status file's <c>runtime</c> say which settings this process has.
/// </summary>
/// <remarks>Properties are <c>set</c> with defaults: source-generated JSON keeps a default only behind a setter.</remarks>
public sealed record RuntimeReport
{
    /// <summary><c>NativeAOT</c> (one native executable, no JIT) or <c>JIT</c> (CoreCLR, with or without ReadyToRun code).</summary>
    public string Compilation { get; set; } = "";

    /// <summary>The runtime's description, e.g. <c>.NET 10.0.2</c>.</summary>
    public string Framework { get; set; } = "";

    /// <summary>The garbage collector's settings in effect.</summary>
    public GcReport Gc { get; set; } = new();

    /// <summary>This process's report (taken once; the GC's settings do not change after start).</summary>
    public static RuntimeReport Current { get; } = Take(Environment.GetEnvironmentVariables());

    /// <summary>Takes the report of this process; <paramref name="environment"/> gives the DOTNET_GC* variables it was started with.</summary>
    public static RuntimeReport Take(IDictionary environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var config = GC.GetConfigurationVariables();
        long Number(string key) => config.TryGetValue(key, out var v) && v is not null ? Convert.ToInt64(v, CultureInfo.InvariantCulture) : 0;
        bool Flag(string key, bool otherwise) => config.TryGetValue(key, out var v) && v is bool b ? b : otherwise;
        var gcEnvironment = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in environment)
        {
            string name = (string)e.Key;
            if (name.StartsWith("DOTNET_GC", StringComparison.OrdinalIgnoreCase) || name.StartsWith("COMPlus_GC", StringComparison.OrdinalIgnoreCase))
                gcEnvironment[name] = e.Value as string ?? "";
        }
        return new RuntimeReport
        {
            Compilation = IsNativeAot ? "NativeAOT" : "JIT",
            Framework = RuntimeInformation.FrameworkDescription,
            Gc = new GcReport
            {
                Server = GCSettings.IsServerGC,
                Concurrent = Flag("ConcurrentGC", GCSettings.LatencyMode != GCLatencyMode.Batch),
                LatencyMode = GCSettings.LatencyMode.ToString(),
                Gen0BudgetBytes = Number("GCGen0MaxBudget"),
                HeapHardLimitBytes = Number("GCHeapHardLimit"),
                HeapCount = (int)Math.Max(1, Number("HeapCount")),
                ConserveMemory = (int)Number("GCConserveMem"),
                Environment = gcEnvironment,
            },
        };
    }

    /// <summary>
    /// True in a NativeAOT executable. <see cref="RuntimeFeature.IsDynamicCodeSupported"/> alone is not enough: a JIT
    /// build whose project sets PublishAot also reports false; only under NativeAOT has no method been JIT-compiled.
    /// </summary>
    public static bool IsNativeAot => !RuntimeFeature.IsDynamicCodeSupported && System.Runtime.JitInfo.GetCompiledMethodCount() == 0;

    /// <summary>
    /// Settings the runtime cannot have taken as written: NativeAOT reads DOTNET_GC* numbers as plain hex only and
    /// silently ignores a <c>0x</c> prefix (measured in session 7 on the gen0 budget), so the cap is not in effect.
    /// </summary>
    public IEnumerable<string> Warnings()
    {
        if (Compilation != "NativeAOT") yield break;
        foreach (var (name, value) in Gc.Environment)
        {
            if (value.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
                yield return $"{name}={value}: NativeAOT reads GC settings as plain hex and ignores a 0x prefix; write {name}={value[2..]}";
        }
    }

    /// <summary>One line for the log at start.</summary>
    public override string ToString()
    {
        var gc = Gc;
        string limit = gc.HeapHardLimitBytes > 0 ? $"{gc.HeapHardLimitBytes / 1048576.0:F1} MiB" : "none";
        string env = gc.Environment.Count == 0 ? "none (the runtime's defaults; the service sets DOTNET_GCgen0size)"
            : string.Join(' ', gc.Environment.Select(kv => $"{kv.Key}={kv.Value}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"{Compilation} {Framework}; GC {(gc.Server ? "server" : "workstation")}, {(gc.Concurrent ? "concurrent" : "non-concurrent")}, " +
            $"gen0 budget {gc.Gen0BudgetBytes / 1048576.0:F1} MiB, heap hard limit {limit}, conserve memory {gc.ConserveMemory}; GC environment: {env}");
    }
}

/// <summary>The garbage collector's settings in effect (<see cref="GC.GetConfigurationVariables"/>, <see cref="GCSettings"/>).</summary>
public sealed record GcReport
{
    /// <summary>Server GC (one heap per core) rather than workstation GC.</summary>
    public bool Server { get; set; }

    /// <summary>Background (concurrent) collections of gen2.</summary>
    public bool Concurrent { get; set; }

    /// <summary><see cref="GCSettings.LatencyMode"/>.</summary>
    public string LatencyMode { get; set; } = "";

    /// <summary>
    /// The gen0 budget the GC took (its <c>GCGen0MaxBudget</c>): sized from the L3 cache by default (52.5 MiB on a 105 MiB L3, the
    /// GC's 6 MiB floor on an 8 MiB L3), 6 MiB under the service's <c>DOTNET_GCgen0size=400000</c> (4 MiB; the GC's floor is 6 MiB).
    /// </summary>
    public long Gen0BudgetBytes { get; set; }

    /// <summary>The GC heap's hard limit (0: none).</summary>
    public long HeapHardLimitBytes { get; set; }

    /// <summary>GC heaps (1 for workstation GC).</summary>
    public int HeapCount { get; set; } = 1;

    /// <summary>GCConserveMemory (0-9; 0 off).</summary>
    public int ConserveMemory { get; set; }

    /// <summary>The DOTNET_GC*/COMPlus_GC* environment variables the process was started with, as written.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; set; } = new Dictionary<string, string>();
}
