using System.CommandLine;
using System.Globalization;
using EdgeToolkit.Compression.Distillation;
using EdgeToolkit.Compression.Pruning;
using EdgeToolkit.EdgeKit.Console;
using EdgeToolkit.Training.Data;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Training;
using TorchSharp;

namespace EdgeToolkit.EdgeKit.Commands;

/// <summary><c>edgekit prune</c>: width-prunes a MobileNet v1 checkpoint to a smaller alpha, optionally fine-tuning (distilled) afterwards.</summary>
public static class PruneCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "MobileNet v1 checkpoint folder (model.bin + spec.json)", Required = true };
        var alpha = new Option<double>("--alpha") { Description = "Target width multiplier, below the checkpoint's (e.g. 0.75, 0.5, 0.25)", Required = true };
        var output = new Option<string>("--out") { Description = "Output checkpoint folder", Required = true };
        var importance = new Option<string>("--importance") { Description = "Channel ranking: l1 (filter L1 norm) or bn (BatchNorm |gamma|)", DefaultValueFactory = _ => "l1" };
        importance.AcceptOnlyFromAmong("l1", "bn");
        var epochs = new Option<int>("--finetune-epochs") { Description = "Fine-tuning epochs after pruning (0 = none)" };
        var distil = new Option<double>("--distil-weight") { Description = "Distillation weight w in [0, 1] (0 = plain cross-entropy)", DefaultValueFactory = _ => 0.5 };
        var temperature = new Option<double>("--temperature") { Description = "Distillation temperature", DefaultValueFactory = _ => 4 };
        var lr = new Option<double>("--lr") { Description = "Fine-tuning peak learning rate", DefaultValueFactory = _ => new FineTuneOptions().LearningRate };
        var data = new Option<string>("--data") { Description = $"Dataset for fine-tuning and evaluation ({string.Join(", ", DatasetResolver.KnownNames)}) or folder", DefaultValueFactory = _ => "fashion-mnist" };
        var dataPath = new Option<string?>("--data-path") { Description = "Folder holding the dataset files" };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (0 = all cores)" };
        var command = new Command("prune", "Width-prune a MobileNet v1 checkpoint (alpha 1.0 -> 0.75/0.5/0.25), optionally fine-tune with distillation.")
        {
            checkpoint, alpha, output, importance, epochs, distil, temperature, lr, data, dataPath, threads,
        };
        command.SetAction(parse =>
        {
            try
            {
                if (parse.GetValue(threads) > 0) torch.set_num_threads(parse.GetValue(threads));
                using var source = Checkpoint.Load(parse.GetValue(checkpoint)!);
                if (source.Model is not MobileNetV1 mobileNet)
                    throw new ArgumentException($"{source.Path}: --checkpoint must hold a mobilenet_v1, not {source.Spec.Architecture}.");
                double target = parse.GetValue(alpha);
                var options = new WidthPruningOptions(parse.GetValue(importance) == "bn" ? ChannelImportance.BatchNormScale : ChannelImportance.L1Norm);
                using var pruned = MobileNetWidthPruner.Prune(mobileNet, target, options);
                var spec = source.Spec with { Alpha = target };
                string outDir = parse.GetValue(output)!;
                var resolved = DatasetResolver.Resolve(parse.GetValue(data)!, parse.GetValue(dataPath));
                double before = ClassifierEvaluator.Evaluate(source.Model, source.Spec, resolved.Test).Top1;
                double after = ClassifierEvaluator.Evaluate(pruned, spec, resolved.Test).Top1;
                System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"pruned alpha {mobileNet.Alpha} -> {target} ({options.Importance}): test accuracy {before:P2} -> {after:P2} on {resolved.Description}"));
                int fineTuneEpochs = parse.GetValue(epochs);
                if (fineTuneEpochs > 0)
                {
                    var fineTune = new FineTuneOptions
                    {
                        Epochs = fineTuneEpochs,
                        LearningRate = parse.GetValue(lr),
                        DistillationWeight = parse.GetValue(distil),
                        Temperature = parse.GetValue(temperature),
                    };
                    using var cancellation = new CliCancellation();
                    var progress = new SyncProgress<TrainingProgress>(p => { if (p.Batch == p.Batches) System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fine-tune epoch {p.Epoch}/{p.Epochs}: loss {p.Loss:F4}")); });
                    var result = new DistillationFineTuner(fineTune).FineTune(pruned, spec, fineTune.DistillationWeight > 0 ? source.Model : null,
                        resolved.Train, resolved.Test, outDir, progress, cancellation.Token);
                    if (result.Interrupted)
                    {
                        System.Console.WriteLine($"Interrupted; resumable checkpoint: {result.LastCheckpoint}");
                        return 130;
                    }
                    System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fine-tuned {fineTuneEpochs} epochs: test accuracy {result.History[^1].TestAccuracy:P2}"));
                    outDir = result.LastCheckpoint;
                }
                else
                {
                    Checkpoint.Save(outDir, pruned, spec, null);
                }
                System.Console.WriteLine($"checkpoint: {Path.GetFullPath(outDir)}");
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or DatasetException or OperationCanceledException)
            {
                System.Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
