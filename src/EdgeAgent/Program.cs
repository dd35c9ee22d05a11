using EdgeToolkit.EdgeAgent.Hosting;
using Microsoft.Extensions.DependencyInjection;
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
    return AgentExitCodes.InvalidSettings;
}

try
{
    using var host = AgentHost.CreateBuilder(rest, bench).Build();
    // RunAsync without disposing: the hosted services are inspected after the host stopped.
    await host.StartAsync().ConfigureAwait(false);
    await host.WaitForShutdownAsync().ConfigureAwait(false);
    // .NET 10 stops the host with a success result when a background service throws: that is a fatal error here.
    foreach (var service in host.Services.GetServices<IHostedService>().OfType<BackgroundService>())
    {
        if (service.ExecuteTask is { IsFaulted: true } failed)
        {
            Console.Error.WriteLine($"EdgeAgent: fatal: {failed.Exception?.GetBaseException()}");
            return AgentExitCodes.Fatal;
        }
    }
}
catch (OptionsValidationException e)
{
    foreach (string failure in e.Failures) Console.Error.WriteLine($"EdgeAgent: invalid setting: {failure}");
    return AgentExitCodes.InvalidSettings;
}
catch (Exception e) when (e is not OperationCanceledException)
{
    // Anything else that escapes the host is fatal: exit non-zero so systemd restarts the agent.
    Console.Error.WriteLine($"EdgeAgent: fatal: {e}");
    return AgentExitCodes.Fatal;
}
return Environment.ExitCode;
