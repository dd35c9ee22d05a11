using Microsoft.Extensions.Logging;

namespace EdgeToolkit.EdgeKit.Console;

/// <summary>A minimal <see cref="ILogger"/> writing one line per message (warnings and errors prefixed).</summary>
/// <param name="writeLine">Where lines go, e.g. <c>Console.Out.WriteLine</c>, or <c>AnsiConsole.WriteLine</c> while a progress bar is drawn.</param>
/// <param name="minimum">Lowest level written.</param>
public sealed class CliLogger(Action<string> writeLine, LogLevel minimum = LogLevel.Information) : ILogger
{
    private readonly Lock _gate = new();

    /// <inheritdoc />
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    /// <inheritdoc />
    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

    /// <inheritdoc />
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        string prefix = logLevel switch
        {
            >= LogLevel.Error => "error: ",
            LogLevel.Warning => "warning: ",
            _ => "",
        };
        lock (_gate)
            writeLine(prefix + formatter(state, exception));
    }
}
