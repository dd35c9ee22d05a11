using System.CommandLine;
using EdgeToolkit.EdgeKit.Commands;
using EdgeToolkit.EdgeKit.Console;

namespace EdgeToolkit.EdgeKit;

/// <summary>The <c>edgekit</c> command line: every verb, composed in one place (Program runs it; tests parse it).</summary>
public static class EdgeKitCommandLine
{
    /// <summary>The root command with every verb; each verb lives in Commands/&lt;Verb&gt;Command.cs, registered here, one line each.</summary>
    public static RootCommand Create()
    {
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
        DeclaredDefaultsHelpAction.Install(root);
        return root;
    }
}
