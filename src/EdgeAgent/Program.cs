using EdgeToolkit.EdgeAgent.Hosting;
using EdgeToolkit.EdgeAgent.Rollout;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

// EdgeAgent [--bench N] [--EdgeAgent:Setting=value ...]   (see docs/agent.md)
// EdgeAgent --canary-gate baseline|check [--option value ...]   (see docs/deploy.md, "Canary rollouts")
if (args.Length > 0 && args[0] == CanaryGateCommand.Verb)
    return await CanaryGateCommand.RunAsync(args[1..], Console.In, Console.IsInputRedirected, Console.Out, Console.Error, CancellationToken.None).ConfigureAwait(false);
// EdgeAgent --time-models [--threads N] [--runs N] [--warmup N] [model.onnx ...]   (latency table, docs/pruning.md)
try
{
    if (ModelTimingRequest.Parse(args) is { } timing) return timing.Run(Console.Out);
}
catch (ArgumentException e)
{
    JournalOutput.WriteError($"EdgeAgent: {e.Message}");
    return AgentExitCodes.InvalidSettings;
}

BenchRequest? bench;
string[] rest;
try
{
    (bench, rest) = BenchRequest.Parse(args);
}
catch (ArgumentException e)
{
    JournalOutput.WriteError($"EdgeAgent: {e.Message}");
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
            JournalOutput.WriteError($"EdgeAgent: fatal: {failed.Exception?.GetBaseException()}");
            return AgentExitCodes.Fatal;
        }
    }
}
catch (OptionsValidationException e)
{
    foreach (string failure in e.Failures) JournalOutput.WriteError($"EdgeAgent: invalid setting: {failure}");
    return AgentExitCodes.InvalidSettings;
}
catch (InvalidOperationException e) when (e.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
{
    // A value the configuration binder cannot convert (e.g. EdgeAgent:ExecutionProvider=gpu): it names the setting.
    // Caught before the fatal clause below: a bad setting is not retried by systemd (RestartPreventExitStatus=2).
    JournalOutput.WriteError($"EdgeAgent: invalid setting: {e.Message} {e.InnerException?.Message}".TrimEnd());
    return AgentExitCodes.InvalidSettings;
}
catch (Exception e) when (e is not OperationCanceledException)
{
    // Anything else that escapes the host is fatal: exit non-zero so systemd restarts the agent.
    JournalOutput.WriteError($"EdgeAgent: fatal: {e}");
    return AgentExitCodes.Fatal;
}
return Environment.ExitCode;
