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

    /// <summary>Measures every architecture and writes the table.</summary>
    public static void Write(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var rows = new List<(string Arch, double Alpha, string Input, ModelComplexity.Result Counts)>();
        foreach (var arch in ModelFactory.Architectures)
            rows.Add(Measure(new ModelSpec(arch, 10, 1, 32)));
        foreach (double alpha in new[] { 0.75, 0.5, 0.25 })
            rows.Add(Measure(new ModelSpec("mobilenet_v1", 10, 1, 32, alpha)));
        foreach (double alpha in new[] { 1.0, 0.75, 0.5, 0.25 })
            rows.Add(Measure(new ModelSpec("mobilenet_v1", 1000, 3, 224, alpha)));

        writer.WriteLine($"{"architecture",-18}{"alpha",6}  {"input",-16}{"params",12}{"MACs",16}");
        foreach (var (arch, alpha, input, counts) in rows)
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{arch,-18}{alpha,6:0.00}  {input,-16}{FormatCount(counts.Parameters),12}{FormatCount(counts.Macs),16}"));
        }
    }

    private static (string, double, string, ModelComplexity.Result) Measure(ModelSpec spec)
    {
        using var model = ModelFactory.Create(spec);
        var counts = ModelComplexity.Measure(model, spec.InputChannels, spec.InputSize, spec.InputSize);
        return (spec.Architecture, spec.Alpha, $"{spec.InputSize}x{spec.InputSize}x{spec.InputChannels}/{spec.NumClasses}", counts);
    }

    private static string FormatCount(long n) => n switch
    {
        >= 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{n / 1e6:F2}M"),
        >= 1_000 => string.Create(CultureInfo.InvariantCulture, $"{n / 1e3:F1}K"),
        _ => n.ToString(CultureInfo.InvariantCulture),
    };
}
