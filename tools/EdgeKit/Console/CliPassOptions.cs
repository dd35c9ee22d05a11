using System.CommandLine;
using EdgeToolkit.Compression.Passes.Options;

namespace EdgeToolkit.EdgeKit.Console;

/// <summary>
/// The command-line options of a pass's declared settings (<see cref="PassOptionCli"/>), added to a verb, and their
/// parsed values as <see cref="IPassOptionValues"/>: the verb builds the pass's options record with the same code as
/// the recipe reader (e.g. <c>QuantizePassOptions.Bind</c>).
/// </summary>
public sealed class CliPassOptions
{
    private readonly Dictionary<PassOption, Option> _byDeclaration = new(ReferenceEqualityComparer.Instance);

    /// <summary>Makes an option of each declared setting and adds it to <paramref name="command"/>, in the declared order.</summary>
    public CliPassOptions(Command command, IEnumerable<PassOption> declared)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(declared);
        foreach (var setting in declared)
        {
            var option = setting.Cli();
            _byDeclaration.Add(setting, option);
            command.Options.Add(option);
        }
    }

    /// <summary>The option made of <paramref name="declared"/>.</summary>
    public Option<T> Option<T>(PassOption<T> declared) => (Option<T>)_byDeclaration[declared];

    /// <summary>The values of the declared settings on <paramref name="parse"/> (defaults where not given).</summary>
    public IPassOptionValues Values(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new Parsed(this, parse);
    }

    private sealed class Parsed(CliPassOptions options, ParseResult parse) : IPassOptionValues
    {
        public T Get<T>(PassOption<T> option) => parse.GetValue(options.Option(option))!;

        public bool Has(PassOption option) => parse.GetResult(options._byDeclaration[option]) is { Implicit: false };

        public string NameOf(PassOption option) => option.CliName;
    }
}
