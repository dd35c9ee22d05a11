namespace EdgeToolkit.Compression.Passes;

/// <summary>
/// One step of the host pipeline. A pass reads an input artefact and writes a NEW artefact in its
/// own output folder; it never changes its input. Its options are validated when it is created.
/// </summary>
public interface IPass
{
    /// <summary>The name used in recipes (<c>train</c>, <c>prune</c>, ...).</summary>
    string Name { get; }

    /// <summary>
    /// Checks statically that the pass can take an artefact of <paramref name="inputKind"/>
    /// (null = the pass would be first in the chain); returns what is wrong, or null when it fits.
    /// </summary>
    string? CheckInput(ArtefactKind? inputKind);

    /// <summary>The kind of artefact the pass hands on for an input of <paramref name="inputKind"/>.</summary>
    ArtefactKind OutputKind(ArtefactKind? inputKind);

    /// <summary>
    /// Which part of the matrix cell the pass's output depends on (e.g. the architecture for
    /// <c>train</c>, also the alpha for <c>prune</c>); cells with the same key and input share one run.
    /// Used as the run's folder name, so it must be folder-safe.
    /// </summary>
    string VariantKey(ModelVariant target);

    /// <summary>Whether the pass changes <paramref name="input"/> for <paramref name="target"/>; when not, the input passes through unchanged.</summary>
    /// <param name="input">The previous pass's artefact, null for the first pass.</param>
    /// <param name="target">The matrix cell being produced.</param>
    bool AppliesTo(Artefact? input, ModelVariant target);

    /// <summary>Runs the pass.</summary>
    /// <param name="input">The previous pass's artefact (null for a first pass such as <c>train</c>).</param>
    /// <param name="outputFolder">A fresh folder owned by this run of the pass.</param>
    /// <param name="context">Data, target cell, progress, cancellation.</param>
    /// <returns>The new artefact.</returns>
    Artefact Run(Artefact? input, string outputFolder, PassContext context);
}
