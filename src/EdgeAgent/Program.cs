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
    Console.Error.WriteLine($"EdgeAgent: {e.Message}");
    return 2;
}

try
{
    using var host = AgentHost.CreateBuilder(rest, bench).Build();
    await host.RunAsync().ConfigureAwait(false);
}
catch (OptionsValidationException e)
{
    foreach (string failure in e.Failures) Console.Error.WriteLine($"EdgeAgent: invalid setting: {failure}");
    return 2;
}
catch (InvalidOperationException e) when (e.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
{
    // A value the configuration binder cannot convert (e.g. EdgeAgent:ExecutionProvider=gpu): it names the setting.
    Console.Error.WriteLine($"EdgeAgent: invalid setting: {e.Message} {e.InnerException?.Message}".TrimEnd());
    return 2;
}
return Environment.ExitCode;
