using Microsoft.Extensions.Logging;

namespace EdgeToolkit.EdgeKit.Console;

/// <summary>A minimal <see cref="ILogger"/> writing one line per message to a <see cref="TextWriter"/> (warnings and errors prefixed).</summary>
public sealed class CliLogger(TextWriter writer, LogLevel minimum = LogLevel.Information) : ILogger
{
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
        lock (writer)
        {
            writer.WriteLine(prefix + formatter(state, exception));
            writer.Flush();
        }
    }
}
