using System.Globalization;
using EdgeToolkit.Training.Training;

namespace EdgeToolkit.EdgeKit.Console;

/// <summary>Prints an <see cref="EvaluationResult"/> as plain text: accuracy lines and the confusion matrix.</summary>
public static class EvaluationReport
{
    /// <summary>Writes the report for a model described by <paramref name="title"/>.</summary>
    public static void Write(TextWriter writer, string title, EvaluationResult result)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(result);
        writer.WriteLine(title);
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"images: {result.Images}"));
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"top-1: {result.Top1:P2}"));
        if (result.Top5 is double top5)
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"top-5: {top5:P2}"));
        writer.WriteLine("confusion matrix (rows: actual, columns: predicted):");
        int n = result.Confusion.Length;
        int width = Math.Max(5, result.Confusion.SelectMany(r => r).DefaultIfEmpty(0).Max().ToString(CultureInfo.InvariantCulture).Length + 1);
        int labelWidth = Math.Min(16, result.Labels.Select(l => l.Length).DefaultIfEmpty(4).Max());
        writer.WriteLine(new string(' ', labelWidth) + string.Concat(Enumerable.Range(0, n).Select(i => i.ToString(CultureInfo.InvariantCulture).PadLeft(width))));
        for (int a = 0; a < n; a++)
        {
            string label = a < result.Labels.Count ? result.Labels[a] : a.ToString(CultureInfo.InvariantCulture);
            label = label.Length > labelWidth ? label[..labelWidth] : label.PadRight(labelWidth);
            writer.WriteLine(label + string.Concat(result.Confusion[a].Select(c => c.ToString(CultureInfo.InvariantCulture).PadLeft(width))));
        }
    }
}
