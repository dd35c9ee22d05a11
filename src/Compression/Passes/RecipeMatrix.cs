using EdgeToolkit.ModelBundle;

namespace EdgeToolkit.Compression.Passes;

/// <summary>The <c>matrix</c> section of a recipe: every combination becomes one row of the results.</summary>
/// <param name="Architectures">Architecture names.</param>
/// <param name="Alphas">MobileNet width multipliers (other architectures use 1.0 only).</param>
/// <param name="Precisions"><c>fp32</c> and/or <c>int8</c>.</param>
public sealed record RecipeMatrix(IReadOnlyList<string> Architectures, IReadOnlyList<double> Alphas, IReadOnlyList<Precision> Precisions)
{
    /// <summary>The cells in run order: per architecture, widest alpha first, fp32 before int8; non-MobileNet architectures get alpha 1.0 only.</summary>
    public IReadOnlyList<ModelVariant> Cells()
    {
        var cells = new List<ModelVariant>();
        foreach (var arch in Architectures)
        {
            var alphas = PrunePass.IsMobileNet(arch) ? Alphas.Distinct().OrderDescending().ToArray() : [1.0];
            foreach (var alpha in alphas)
                foreach (var precision in Precisions.Distinct().Order())
                    cells.Add(new ModelVariant(arch, alpha, precision));
        }
        return cells;
    }
}
