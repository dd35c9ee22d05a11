using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EdgeToolkit.Compression.Distillation;
using EdgeToolkit.Compression.Passes;
using EdgeToolkit.Compression.Pruning;
using EdgeToolkit.Compression.Quantization;
using EdgeToolkit.EdgeKit.Console;
using EdgeToolkit.Training.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.EdgeKit.Commands;

/// <summary>
/// <c>edgekit demo</c>: the whole host path on the embedded Fashion-MNIST subset — train MobileNet v1
/// (alpha 1.0, 32x32), width-prune to 0.5, fine-tune distilled from the unpruned net, export both,
/// quantize both to INT8, evaluate with ONNX Runtime, benchmark, then run the device agent in
/// <c>--bench</c> mode on sample frames — and print the table and where the report is.
/// </summary>
public static class DemoCommand
{
    /// <summary>Name of the run folder under the output root.</summary>
    public const string RunName = "demo";

    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "Tiny budget (a few hundred images, 16x16, one short epoch) for tests and smoke checks" };
        var output = new Option<string>("--output") { Description = "Root folder of runs (the demo writes <output>/demo)", DefaultValueFactory = _ => "runs" };
        var epochs = new Option<int?>("--epochs") { Description = "Training epochs of alpha 1.0 (default 4; 1 with --quick)" };
        var fineTuneEpochs = new Option<int?>("--finetune-epochs") { Description = "Fine-tuning epochs of alpha 0.5 (default 3; 1 with --quick)" };
        var threads = new Option<int>("--threads") { Description = "libtorch / ONNX Runtime threads (0 = all cores)" };
        var agent = new Option<string?>("--agent") { Description = "EdgeAgent executable or EdgeAgent.dll (default: found next to edgekit or in the source tree, else built)" };
        var noAgent = new Option<bool>("--no-agent") { Description = "Skip the device-agent bench" };
        var command = new Command("demo", "Train -> prune -> fine-tune (distilled) -> export -> INT8 -> evaluate -> bench -> device agent, on the embedded dataset.")
        {
            quick, output, epochs, fineTuneEpochs, threads, agent, noAgent,
        };
        command.SetAction(parse =>
        {
            bool isQuick = parse.GetValue(quick);
            var settings = new DemoSettings(isQuick, parse.GetValue(epochs) ?? (isQuick ? 1 : 4), parse.GetValue(fineTuneEpochs) ?? (isQuick ? 1 : 3));
            if (settings.Epochs < 1 || settings.FineTuneEpochs < 1)
            {
                System.Console.Error.WriteLine("error: --epochs and --finetune-epochs must be at least 1");
                return 2;
            }
            using var cancellation = new CliCancellation();
            return Run(settings, parse.GetValue(output)!, parse.GetValue(threads), parse.GetValue(noAgent) ? null : parse.GetValue(agent) ?? "", cancellation.Token);
        });
        return command;
    }

    /// <summary>The demo's budget.</summary>
    internal sealed record DemoSettings(bool Quick, int Epochs, int FineTuneEpochs);

    /// <summary>The demo's recipe: MobileNet v1 alpha 1.0 and 0.5, fp32 and int8.</summary>
    internal static Recipe BuildRecipe(DemoSettings s, string output, int threads)
    {
        IPass[] passes =
        [
            new TrainPass(new TrainPassOptions
            {
                Epochs = s.Epochs, BatchSize = s.Quick ? 64 : 128, LearningRate = s.Quick ? 0.05 : 0.1,
                InputSize = s.Quick ? 16 : 32, WarmupEpochs = s.Epochs > 1 ? 1 : 0,
            }),
            // Taylor importance + BatchNorm recalibration, one cut: the pruning study's winner (docs/pruning.md).
            new PrunePass(new PrunePassOptions { Cut = new WidthCutOptions { Importance = ChannelImportance.Taylor } }),
            new FineTunePass(new FineTunePassOptions(new FineTuneOptions
            {
                Epochs = s.FineTuneEpochs, BatchSize = s.Quick ? 64 : 128, DistillationWeight = 0.5, Temperature = 4,
                LearningRate = 0.02, MaxBatchesPerEpoch = s.Quick ? 4 : 0,
            }.Validate())),
            new ExportPass(new ExportPassOptions { VerificationImages = s.Quick ? 4 : 16 }),
            new QuantizePass(new QuantizePassOptions(QuantizationOptions.Default with { CalibrationCount = s.Quick ? 64 : 512 })),
            new EvaluatePass(new EvaluatePassOptions()),
            new BenchPass(new BenchPassOptions { Warmup = s.Quick ? 2 : 20, Runs = s.Quick ? 20 : 300 }),
        ];
        var matrix = new RecipeMatrix(["mobilenet_v1"], [1.0, 0.5], [Precision.Fp32, Precision.Int8]);
        var dataset = new RecipeDataset("embedded", null, s.Quick ? 512 : 0, s.Quick ? 200 : 0);
        return new Recipe(RunName, dataset, matrix, passes) { Output = output, Threads = threads, Source = "edgekit demo" };
    }

    /// <summary>Runs the demo; <paramref name="agent"/> null = skip the agent, "" = find it.</summary>
    internal static int Run(DemoSettings settings, string output, int threads, string? agent, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        System.Console.WriteLine($"edgekit demo{(settings.Quick ? " --quick" : "")}: MobileNet v1 on the embedded Fashion-MNIST subset; " +
            $"train alpha 1.0 ({settings.Epochs} epochs) -> prune to 0.5 -> fine-tune distilled ({settings.FineTuneEpochs} epochs) -> export -> INT8 -> evaluate -> bench -> device agent");
        var recipe = BuildRecipe(settings, output, threads);
        var data = new RecipeDatasetSource(recipe.Dataset);
        var results = PipelineConsole.Run(recipe, data, overwrite: true, cancellationToken);
        if (results is null) return 1;

        var baseline = results.Rows.FirstOrDefault(r => r.Alpha == 1.0 && r.Precision == Precision.Fp32);
        var smallest = results.Rows.FirstOrDefault(r => r.Alpha == 0.5 && r.Precision == Precision.Int8);
        var summary = new List<string>();
        if (baseline is not null && smallest is not null)
        {
            summary.Add(string.Create(CultureInfo.InvariantCulture,
                $"alpha 0.5 int8 vs alpha 1.0 fp32: file {baseline.FileSizeBytes / (double)smallest.FileSizeBytes:F1}x smaller, " +
                $"{baseline.Macs / (double)smallest.Macs:F1}x fewer MACs, accuracy {(smallest.Accuracy - baseline.Accuracy) * 100:+0.00;-0.00} points, " +
                $"latency p50 {baseline.LatencyP50Ms:F3} -> {smallest.LatencyP50Ms:F3} ms"));
        }

        int exit = 0;
        if (agent is not null && smallest is not null)
        {
            string frames = Path.Combine(results.Folder, "frames");
            int count = WriteSampleFrames(data.Test, frames, settings.Quick ? 20 : 100);
            System.Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] agent: wrote {count} raw sample frames (PNG, as stored) to {frames}");
            var agentResult = AgentBench.Run(agent, smallest.ModelFolder, frames, results.Folder, settings.Quick ? 20 : 500, cancellationToken);
            if (agentResult.ReportPath is not null)
                ResultsReport.WriteAll(results); // again, now with the agent's per-stage chart (agent-bench.json)
            if (agentResult.ReportPath is not null)
                summary.Add($"device agent bench (alpha 0.5 int8, {count} PNG frames): {agentResult.Summary}; report {agentResult.ReportPath}");
            else
            {
                summary.Add($"device agent bench: not run ({agentResult.Summary})");
                exit = agentResult.Failed ? 1 : 0;
            }
        }
        if (summary.Count > 0)
        {
            File.AppendAllText(results.MarkdownPath, "\n" + string.Join("\n", summary.Select(s => "- " + s)) + "\n");
            System.Console.WriteLine();
            foreach (var line in summary) System.Console.WriteLine(line);
        }
        System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"demo finished in {clock.Elapsed:mm\\:ss}; open {results.HtmlPath}"));
        return exit;
    }

    /// <summary>
    /// Writes the first <paramref name="count"/> test images as PNG files exactly as stored (28x28 for Fashion-MNIST), returns
    /// how many. They are not fitted to the model: the agent applies the bundle's resize policy, as it would to a camera.
    /// </summary>
    internal static int WriteSampleFrames(ImageDataset test, string folder, int count)
    {
        Directory.CreateDirectory(folder);
        count = Math.Min(count, test.Count);
        for (int i = 0; i < count; i++)
        {
            var bytes = test.Pixels.AsSpan(i * test.ImageBytes, test.ImageBytes);
            string path = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{i:0000}-{test.ClassNames[(int)test.Labels[i]].Replace('/', '-')}.png"));
            using var image = ModelInputWriter.ToImage(bytes, test.Channels, test.Height, test.Width);
            image.SaveAsPng(path);
        }
        return count;
    }
}
