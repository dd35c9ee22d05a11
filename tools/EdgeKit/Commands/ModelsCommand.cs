using System.CommandLine;
using System.Globalization;
using EdgeToolkit.Training.Models;

namespace EdgeToolkit.EdgeKit.Commands;

/// <summary><c>edgekit models</c>: the architectures with parameter and MAC counts.</summary>
public static class ModelsCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var command = new Command("models", "List the architectures with parameters and MACs (32x32x1, 10 classes; MobileNet also at 224x224x3, 1000 classes).");
        command.SetAction(_ =>
        {
            Write(System.Console.Out);
            return 0;
        });
        return command;
    }

    /// <summary>The rows of the table: every architecture at 32x32x1 with 10 classes, MobileNet widths at 32x32 and 224x224x3/1000.</summary>
    public static IReadOnlyList<ModelSpec> DefaultRows { get; } =
    [
        .. ModelFactory.Architectures.Select(arch => new ModelSpec(arch, 10, 1, 32)),
        .. new[] { 0.75, 0.5, 0.25 }.Select(alpha => new ModelSpec("mobilenet_v1", 10, 1, 32, alpha)),
        .. new[] { 1.0, 0.75, 0.5, 0.25 }.Select(alpha => new ModelSpec("mobilenet_v1", 1000, 3, 224, alpha)),
    ];

    /// <summary>Measures each spec of <paramref name="specs"/> (default <see cref="DefaultRows"/>) and writes the table.</summary>
    public static void Write(TextWriter writer, IEnumerable<ModelSpec>? specs = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteLine($"{"architecture",-18}{"alpha",6}  {"input",-16}{"params",12}{"MACs",16}  description");
        foreach (var spec in specs ?? DefaultRows)
        {
            var row = ModelFactory.Summarize(spec);
            string input = $"{spec.InputSize}x{spec.InputSize}x{spec.InputChannels}/{spec.NumClasses}";
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{row.Architecture,-18}{row.Alpha,6:0.00}  {input,-16}{FormatCount(row.Parameters),12}{FormatCount(row.Macs),16}  {row.Description}"));
        }
    }

    private static string FormatCount(long n) => n switch
    {
        >= 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{n / 1e6:F2}M"),
        >= 1_000 => string.Create(CultureInfo.InvariantCulture, $"{n / 1e3:F1}K"),
        _ => n.ToString(CultureInfo.InvariantCulture),
    };
}
