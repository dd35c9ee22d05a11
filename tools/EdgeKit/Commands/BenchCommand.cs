using System.CommandLine;
using System.Globalization;
using EdgeToolkit.Compression.Passes;
using EdgeToolkit.EdgeKit.Console;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.ModelBundle.Runtime;
using Microsoft.ML.OnnxRuntime;
using Spectre.Console;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.EdgeKit.Commands;

/// <summary><c>edgekit bench</c>: batch-1 latency of a bundle's model with ONNX Runtime (p50/p90/p99/max).</summary>
public static class BenchCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var bundle = new Option<string>("--bundle") { Description = "Model bundle folder (model.onnx + manifest.json)", Required = true };
        var json = new Option<string?>("--json") { Description = "Write the results as JSON to this file" };
        var command = new Command("bench", "Measure batch-1 inference latency of a bundle with ONNX Runtime and print p50/p90/p99/max.")
        {
            bundle, json,
        };
        // The bench pass's settings, declared once for this verb and for recipes; --threads here takes several counts and measures each.
        var threadsSetting = BenchPassOptions.ThreadsOption;
        var declared = new CliPassOptions(command, BenchPassOptions.Declared.Where(d => d != threadsSetting));
        var threads = new DeclaredOption<int[]>(threadsSetting.CliName)
        {
            Description = $"{threadsSetting.Help}; several counts are each measured, e.g. --threads 1 2 ({threadsSetting.Accepts})",
            DefaultValueFactory = _ => [threadsSetting.Default],
            AllowMultipleArgumentsPerToken = true,
        };
        threads.Validators.Add(result =>
        {
            // Range-checked from the tokens: a token that is not an integer is already a parse error naming it.
            foreach (var token in result.Tokens)
            {
                if (int.TryParse(token.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int t) && threadsSetting.Problem(t, threadsSetting.CliName) is { } problem)
                    result.AddError(problem + ".");
            }
        });
        command.Options.Add(threads);
        command.SetAction(parse =>
        {
            try
            {
                var pass = new BenchPass(BenchPassOptions.Bind(declared.Values(parse)));
                string bundleFolder = parse.GetValue(bundle)!;
                var loaded = ModelBundleFolder.Read(bundleFolder);
                var results = parse.GetValue(threads)!.Select(t => pass.Measure(bundleFolder, t)).ToList();
                var first = results[0];
                System.Console.WriteLine($"execution provider: {first.Provider} (requested {first.ProviderRequested}{(first.ProviderFallback is null ? "" : ": " + first.ProviderFallback)})");
                var m = loaded.Manifest;
                if (ExecutionProviderSelector.TryParse(first.Provider, out var used) && ExecutionProviderSelector.PrecisionAdvice(used, m.Precision) is { } advice)
                    System.Console.WriteLine("warning: " + advice);
                AnsiConsole.Write(Table($"{m.Architecture} alpha {m.Alpha.ToString(CultureInfo.InvariantCulture)} {KebabCase.Name(m.Precision)} [{string.Join(", ", m.InputShape)}] on {first.Provider}", results));
                if (parse.GetValue(json) is { } path)
                {
                    ModelBundle.AtomicFile.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(results, LatencyResult.JsonOptions));
                    System.Console.WriteLine($"wrote {path}");
                }
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or BundleException or OnnxRuntimeException or IOException)
            {
                System.Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>A table of latency results, one row per configuration.</summary>
    public static Table Table(string title, IEnumerable<LatencyResult> results)
    {
        var table = new Table { Title = new TableTitle(Markup.Escape(title)) };
        foreach (var column in new[] { "threads", "runs", "mean ms", "p50 ms", "p90 ms", "p99 ms", "max ms" })
            table.AddColumn(new TableColumn(column).RightAligned());
        foreach (var r in results)
        {
            table.AddRow(
                r.Threads.ToString(CultureInfo.InvariantCulture), r.Runs.ToString(CultureInfo.InvariantCulture),
                F(r.MeanMs), F(r.P50Ms), F(r.P90Ms), F(r.P99Ms), F(r.MaxMs));
        }
        return table;
    }

    private static string F(double ms) => ms.ToString("F3", CultureInfo.InvariantCulture);
}
