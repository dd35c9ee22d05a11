using EdgeToolkit.EdgeAgent.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

// EdgeAgent [--bench N] [--EdgeAgent:Setting=value ...]   (see docs/agent.md)
BenchRequest? bench;
string[] rest;
try
{
    (bench, rest) = BenchRequest.Parse(args);
}
catch (ArgumentException e)
{
    JournalOutput.WriteError($"EdgeAgent: {e.Message}");
    return 2;
}

try
{
    using var host = AgentHost.CreateBuilder(rest, bench).Build();
    await host.RunAsync().ConfigureAwait(false);
}
catch (OptionsValidationException e)
{
    foreach (string failure in e.Failures) JournalOutput.WriteError($"EdgeAgent: invalid setting: {failure}");
    return 2;
}
return Environment.ExitCode;
