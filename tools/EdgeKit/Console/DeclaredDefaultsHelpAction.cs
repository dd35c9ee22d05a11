using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace EdgeToolkit.EdgeKit.Console;

/// <summary>
/// Help without System.CommandLine's <c>[default: ...]</c> on declared options (<see cref="DeclaredOption{T}"/>), whose
/// descriptions state the default already. System.CommandLine 2.0 appends a default printed with <c>ToString()</c>,
/// so an enum's showed its C# name (<c>(sgd, adam, adamw; default sgd) [default: Sgd]</c>, <c>[default: DepthwiseConv]</c>:
/// not values the option accepts) and every declared number said its default twice. Its help builder is internal,
/// so the page is written while the declared options of the command have no default; other options keep theirs.
/// </summary>
public sealed class DeclaredDefaultsHelpAction : SynchronousCommandLineAction
{
    private readonly HelpAction _help;

    private DeclaredDefaultsHelpAction(HelpAction help) => _help = help;

    /// <summary>Width the page is wrapped to (System.CommandLine's: the terminal's, kept from the first page).</summary>
    public int MaxWidth
    {
        get => _help.MaxWidth;
        set => _help.MaxWidth = value;
    }

    /// <inheritdoc/>
    public override bool ClearsParseErrors => true;

    /// <summary>Puts this action in place of the help option's on <paramref name="root"/> (its subcommands share it).</summary>
    public static void Install(RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var option = root.Options.OfType<HelpOption>().Single();
        if (option.Action is HelpAction help) option.Action = new DeclaredDefaultsHelpAction(help);
    }

    /// <inheritdoc/>
    public override int Invoke(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        // Help ends the run, so nothing reads a value while the defaults are away; they are put back all the same.
        var hidden = parseResult.CommandResult.Command.Options.OfType<IDeclaredOption>().Select(o => o.HideDefault()).ToList();
        try
        {
            return _help.Invoke(parseResult);
        }
        finally
        {
            foreach (var restore in hidden) restore.Dispose();
        }
    }
}
