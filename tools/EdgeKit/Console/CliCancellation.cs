using System.Runtime.InteropServices;

namespace EdgeToolkit.EdgeKit.Console;

/// <summary>
/// Turns the first SIGINT (Ctrl+C) or SIGTERM into a cancelled token so a verb can finish its
/// current step and save; a second signal terminates the process as usual.
/// </summary>
public sealed class CliCancellation : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    /// <summary>Starts listening for SIGINT and SIGTERM.</summary>
    public CliCancellation()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>Stops listening.</summary>
    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _source.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (_source.IsCancellationRequested) return; // second signal: default handling ends the process
        context.Cancel = true;
        System.Console.Error.WriteLine($"{context.Signal}: finishing the current step and saving; send it again to abort.");
        _source.Cancel();
    }
}
