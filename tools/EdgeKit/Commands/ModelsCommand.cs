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
        var plan = new Option<string?>("--channel-plan")
        {
            Description = "Also list MobileNet v1 built from this channel plan (14 comma-separated widths: stem + 13 layers, as a pruned checkpoint's spec.json 'channelPlan' holds them)",
        };
        var command = new Command("models", "List the architectures with parameters and MACs (32x32x1, 10 classes; MobileNet also at 224x224x3, 1000 classes).") { plan };
        command.SetAction(parse =>
        {
            try
            {
                var rows = DefaultRows.ToList();
                if (parse.GetValue(plan) is { } text)
                {
                    var widths = ParsePlan(text);
                    rows.Add(new ModelSpec("mobilenet_v1", 10, 1, 32, MobileNetV1.NominalAlpha(widths)) { ChannelPlan = widths });
                }
                Write(System.Console.Out, rows);
                return 0;
            }
            catch (ArgumentException e)
            {
                System.Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
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
                $"{row.Architecture,-18}{row.Alpha,6:0.00}  {input,-16}{FormatCount(row.Parameters),12}{FormatCount(row.Macs),16}  {row.Description}{(row.ChannelPlan is { } p ? $" (plan {string.Join(",", p)})" : "")}"));
        }
    }

    /// <summary>Parses a comma-separated channel plan; errors name <c>--channel-plan</c> and the entry.</summary>
    /// <exception cref="ArgumentException">Not 14 positive integers within the layer's range.</exception>
    public static IReadOnlyList<int> ParsePlan(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out widths[i]))
                throw new ArgumentException($"--channel-plan: entry {i} '{parts[i]}' is not a positive integer.");
        }
        try
        {
            return MobileNetV1.ValidatePlan(widths);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"--channel-plan: {e.Message}", e);
        }
    }

    private static string FormatCount(long n) => n switch
    {
        >= 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{n / 1e6:F2}M"),
        >= 1_000 => string.Create(CultureInfo.InvariantCulture, $"{n / 1e3:F1}K"),
        _ => n.ToString(CultureInfo.InvariantCulture),
    };
}
