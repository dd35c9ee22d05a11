using System.Globalization;
using EdgeToolkit.ModelBundle.Runtime;

namespace EdgeToolkit.EdgeAgent.Hosting;

/// <summary>
/// <c>EdgeAgent --time-models [--threads N] [--runs N] [--warmup N] [model.onnx ...]</c>: times each ONNX model on this
/// device with ONNX Runtime (batch 1, median of the runs, <see cref="LatencyBenchmark"/>) and prints one JSON line,
/// <see cref="ModelTimingReport"/>, then exits; no host, no bundle. Without models it prints only the device's
/// fingerprint. <c>edgekit prune --latency-host</c> and <c>edgekit latency-table --host</c> run it over ssh to measure
/// the per-layer latency table on the target.
/// </summary>
/// <param name="Threads">ONNX Runtime intra-op threads.</param>
/// <param name="Runs">Timed runs per model.</param>
/// <param name="Warmup">Untimed runs per model before timing.</param>
/// <param name="Models">The ONNX files to time, in order.</param>
public sealed record ModelTimingRequest(int Threads, int Runs, int Warmup, IReadOnlyList<string> Models)
{
    /// <summary>The first argument that selects this mode.</summary>
    public const string Flag = "--time-models";

    /// <summary>The request when <paramref name="args"/> starts with <see cref="Flag"/>; null otherwise.</summary>
    /// <exception cref="ArgumentException">A bad setting; the message names it.</exception>
    public static ModelTimingRequest? Parse(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || args[0] != Flag) return null;
        int threads = 1, runs = 60, warmup = 5;
        var models = new List<string>();
        for (int i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--threads": threads = Number(args, ref i, 1); break;
                case "--runs": runs = Number(args, ref i, 1); break;
                case "--warmup": warmup = Number(args, ref i, 0); break;
                default:
                    if (args[i].StartsWith('-')) throw new ArgumentException($"{Flag}: unknown option '{args[i]}' (expected --threads, --runs, --warmup, then model files)");
                    models.Add(args[i]);
                    break;
            }
        }
        return new ModelTimingRequest(threads, runs, warmup, models);
    }

    private static int Number(string[] args, ref int i, int min)
    {
        string name = args[i];
        if (i + 1 >= args.Length) throw new ArgumentException($"{Flag}: {name} needs a number");
        string value = args[++i];
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < min)
            throw new ArgumentException($"{Flag}: {name} '{value}' is not a whole number of at least {min}");
        return n;
    }

    /// <summary>Times the models and writes the report line to <paramref name="output"/>; returns the exit code.</summary>
    /// <param name="output">Receives the JSON line.</param>
    /// <returns><see cref="AgentExitCodes.Ok"/>; <see cref="AgentExitCodes.InvalidSettings"/> when a model is missing or does not load.</returns>
    public int Run(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var options = new LatencyBenchmarkOptions { Threads = Threads, Runs = Runs, Warmup = Warmup };
        var times = new List<double>(Models.Count);
        foreach (string model in Models)
        {
            if (!File.Exists(model))
            {
                JournalOutput.WriteError($"EdgeAgent: {Flag}: {model}: file not found");
                return AgentExitCodes.InvalidSettings;
            }
            try
            {
                times.Add(LatencyBenchmark.Run(model, options).P50Ms);
            }
            catch (Exception e) when (e is Microsoft.ML.OnnxRuntime.OnnxRuntimeException or ArgumentException)
            {
                JournalOutput.WriteError($"EdgeAgent: {Flag}: {model}: {e.Message}");
                return AgentExitCodes.InvalidSettings;
            }
        }
        output.WriteLine(new ModelTimingReport(DeviceFingerprint.Local(Threads), times).ToJson());
        return AgentExitCodes.Ok;
    }
}
