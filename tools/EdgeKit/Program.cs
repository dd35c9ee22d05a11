using System.CommandLine;
using EdgeToolkit.EdgeKit;

// Verbs handle Ctrl+C themselves (see CliCancellation) so they can save their state before exiting.
return EdgeKitCommandLine.Create().Parse(args).Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null });
