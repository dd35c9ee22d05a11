using System.CommandLine;
using EdgeToolkit.EdgeKit.Commands;

namespace EdgeToolkit.EdgeKit.Tests;

public sealed class QuantizeCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("edgekit-quantize-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Summary_line_takes_both_sizes_from_the_files_not_from_a_manifest()
    {
        // A hand-written fp32 manifest may have no fileSizeBytes (it once printed "Infinity of fp32 0 KiB").
        string fp32 = Path.Combine(_folder, "fp32.onnx"), int8 = Path.Combine(_folder, "int8.onnx");
        File.WriteAllBytes(fp32, new byte[40 * 1024]);
        File.WriteAllBytes(int8, new byte[11 * 1024]);

        Assert.Equal($"wrote {int8}: 11 KiB (27.5 % of fp32 40 KiB), precision int8", QuantizeCommand.SummaryLine(fp32, int8));
    }

    [Fact]
    public void Accuracy_options_parse()
    {
        var root = new RootCommand { QuantizeCommand.Create() };
        var ok = root.Parse("quantize --bundle b --out o --max-drop 0.5 --held-out-images 500 --bias-correction");
        Assert.Empty(ok.Errors);
        var bad = root.Parse("quantize --bundle b --out o --max-drop lots");
        Assert.Contains(bad.Errors, e => e.Message.Contains("lots", StringComparison.Ordinal));
        var outOfRange = root.Parse("quantize --bundle b --out o --max-drop 101");
        Assert.Contains(outOfRange.Errors, e => e.Message == "--max-drop must be in [0, 100] but is 101.");
    }
}
