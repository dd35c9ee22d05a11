using System.CommandLine;
using EdgeToolkit.EdgeKit.Commands;

// Every verb lives in Commands/<Verb>Command.cs and is registered here, one line each.
var root = new RootCommand("edgekit: train, compress, evaluate and deploy image classifiers for edge devices.");
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(ModelsCommand.Create());
root.Subcommands.Add(BenchTrainCommand.Create());
root.Subcommands.Add(DeployCommand.Create());

// Verbs handle Ctrl+C themselves (see CliCancellation) so they can save their state before exiting.
return root.Parse(args).Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null });
