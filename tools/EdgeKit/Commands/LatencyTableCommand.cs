using System.CommandLine;
using System.Globalization;
using EdgeToolkit.Compression;
using EdgeToolkit.Compression.Passes;
using EdgeToolkit.Compression.Pruning.Latency;
using EdgeToolkit.EdgeKit.Console;
using EdgeToolkit.ModelBundle.Runtime;
using EdgeToolkit.Training.Models;

namespace EdgeToolkit.EdgeKit.Commands;

/// <summary>
/// <c>edgekit latency-table [--host user@device]</c>: measures (and caches) the per-layer latency table of MobileNet v1
/// that <c>edgekit prune --target-latency</c> searches, on this host or on a device over ssh, then checks it: for
/// each uniform alpha and each <c>--channel-plan</c>, the latency the table predicts against the whole network measured on the
/// same machine, the whole-network figures taken in interleaved rounds (median) so that a change of load moves
/// every plan alike.
/// </summary>
public static class LatencyTableCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var device = new SshLatencyOptions("");
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (part of the table's fingerprint)", DefaultValueFactory = _ => 1 };
        var runs = new Option<int>("--runs") { Description = "Timed runs per block (and per whole network)", DefaultValueFactory = _ => 60 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed runs before timing", DefaultValueFactory = _ => 5 };
        var cache = new Option<string?>("--cache") { Description = $"Folder of the cached tables, one file per machine fingerprint (default {LatencyTable.DefaultCacheFolder})" };
        var size = new Option<int>("--input-size") { Description = "Input side in pixels", DefaultValueFactory = _ => 32 };
        var channels = new Option<int>("--input-channels") { Description = "Image channels (1 for Fashion-MNIST)", DefaultValueFactory = _ => 1 };
        var classes = new Option<int>("--classes") { Description = "Classes", DefaultValueFactory = _ => 10 };
        var alphas = new Option<double[]>("--alpha") { Description = "Uniform width multipliers to predict and measure", DefaultValueFactory = _ => [1.0, 0.75, 0.5, 0.25], AllowMultipleArgumentsPerToken = true };
        var plans = new Option<string[]>("--channel-plan") { Description = "Channel plans to predict and measure, 14 comma-separated widths each (as edgekit models --channel-plan; e.g. the channelPlan of a latency.json)", AllowMultipleArgumentsPerToken = true };
        var blockRounds = new Option<int>("--block-rounds") { Description = "Passes over the blocks not yet in the table; each block keeps its fastest pass (a block timed once can catch a slow moment of the machine)", DefaultValueFactory = _ => MobileNetLatencyModel.DefaultTableRounds };
        var precision = PrunePassOptions.LatencyPrecisionOption.Cli();
        var target = PrunePassOptions.LatencyTargetOption.Cli();
        var rounds = new Option<int>("--rounds") { Description = "Interleaved rounds of whole-network measurements (median; 0 = predict only)", DefaultValueFactory = _ => 3 };
        var command = new Command("latency-table", "Measure the per-layer MobileNet v1 latency table (this host or a device over ssh) and check its predictions against whole networks.")
        {
            threads, runs, warmup, cache, size, channels, classes, alphas, plans, blockRounds, rounds, precision, target,
        };
        foreach (var option in device.All) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            try
            {
                int t = parse.GetValue(threads), r = parse.GetValue(runs), w = parse.GetValue(warmup), n = parse.GetValue(rounds);
                if (n < 0) throw new ArgumentException($"--rounds must be 0 or more but was {n}.");
                int passes = parse.GetValue(blockRounds);
                if (passes < 1) throw new ArgumentException($"--block-rounds must be 1 or more but was {passes}.");
                var targets = new List<(string Name, IReadOnlyList<int> Plan)>();
                foreach (double a in parse.GetValue(alphas) ?? [])
                {
                    if (!(a > 0 && a <= 1)) throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--alpha {a}: expected a width multiplier in (0, 1]."));
                    targets.Add((string.Create(CultureInfo.InvariantCulture, $"alpha {a}"), MobileNetV1.Channels(a)));
                }
                foreach (string p in parse.GetValue(plans) ?? [])
                    targets.Add(("plan " + p, ModelsCommand.ParsePlan(p)));
                var settings = device.Settings(parse, t, r, w);
                var int8 = PrunePassOptions.LatencyQuantizationOf(parse.GetValue(precision), parse.GetValue(target), onDevice: settings is not null);
                ILatencyRunner runner = settings is not null
                    ? new SshLatencyRunner(settings, output)
                    : new LocalLatencyRunner(new LatencyBenchmarkOptions { Threads = t, Runs = r, Warmup = w });
                var model = new MobileNetLatencyModel(runner, parse.GetValue(cache) ?? LatencyTable.DefaultCacheFolder,
                    parse.GetValue(channels), parse.GetValue(size), parse.GetValue(classes), passes, int8);
                output.WriteLine($"latency table for {model.Table.Fingerprint} ({model.Table.Entries.Count} cached blocks, {model.CachePath})");
                if (runner.Fingerprint.Emulated)
                    output.WriteLine("note: the target runs under qemu emulation: this table only shows that the path works; its times say nothing about a real device.");
                var predicted = targets.Select(x => model.Predict(x.Plan)).ToList();
                output.WriteLine($"{model.BlocksMeasured} block(s) measured now, {model.Table.Entries.Count} in the table");
                var measured = targets.Select(_ => new List<double>()).ToList();
                for (int round = 0; round < n; round++)
                {
                    for (int i = 0; i < targets.Count; i++) measured[i].Add(model.MeasureWhole(targets[i].Plan));
                }
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"load average {File.ReadAllText("/proc/loadavg").Trim()}"));
                output.WriteLine("| network | MACs | predicted ms | measured ms (median of rounds) | measured / predicted |");
                output.WriteLine("|---|---:|---:|---:|---:|");
                for (int i = 0; i < targets.Count; i++)
                {
                    long macs = MobileNetV1.Macs(targets[i].Plan, parse.GetValue(channels), parse.GetValue(size), parse.GetValue(classes));
                    string whole = "-", ratio = "-";
                    if (measured[i].Count > 0)
                    {
                        double m = Median.Of(measured[i]);
                        whole = m.ToString("F4", CultureInfo.InvariantCulture);
                        ratio = (m / predicted[i]).ToString("F2", CultureInfo.InvariantCulture);
                    }
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {targets[i].Name} | {macs:N0} | {predicted[i]:F4} | {whole} | {ratio} |"));
                }
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException or InvalidOperationException)
            {
                parse.InvocationConfiguration.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

}
