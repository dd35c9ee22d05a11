using System.CommandLine;
using EdgeToolkit.EdgeKit.Commands;

// Every verb lives in Commands/<Verb>Command.cs and is registered here, one line each.
var root = new RootCommand("edgekit: train, compress, evaluate and deploy image classifiers for edge devices.");
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(ModelsCommand.Create());
root.Subcommands.Add(BenchTrainCommand.Create());
root.Subcommands.Add(DeployCommand.Create());
root.Subcommands.Add(PullCapturesCommand.Create());
root.Subcommands.Add(PruneCommand.Create());
root.Subcommands.Add(QuantizeCommand.Create());
root.Subcommands.Add(PipelineCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(ExportCommand.Create());
root.Subcommands.Add(EvalBundleCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(BenchLatencyCommand.Create());
root.Subcommands.Add(LatencyTableCommand.Create());

// Verbs handle Ctrl+C themselves (see CliCancellation) so they can save their state before exiting.
return root.Parse(args).Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null });
