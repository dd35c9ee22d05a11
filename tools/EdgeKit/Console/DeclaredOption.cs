using System.CommandLine;
using System.CommandLine.Parsing;

namespace EdgeToolkit.EdgeKit.Console;

/// <summary>
/// An option made from a pass's declared setting (<see cref="PassOptionCli"/>). Its description already ends with
/// what it accepts and its default in the option's own spelling (<c>(sgd, adam, adamw; default sgd)</c>), so help
/// prints no second default for it (<see cref="DeclaredDefaultsHelpAction"/>).
/// </summary>
public sealed class DeclaredOption<T>(string name, params string[] aliases) : Option<T>(name, aliases), IDeclaredOption
{
    /// <inheritdoc/>
    public IDisposable HideDefault()
    {
        Func<ArgumentResult, T>? factory = DefaultValueFactory;
        DefaultValueFactory = null;
        return new Restore(() => DefaultValueFactory = factory);
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}

/// <summary>An option whose default is stated in its description (<see cref="DeclaredOption{T}"/>).</summary>
public interface IDeclaredOption
{
    /// <summary>Leaves the option without a default until disposed: System.CommandLine's help prints a default only for an option that has one.</summary>
    IDisposable HideDefault();
}
