namespace EdgeToolkit.Compression.Passes;

/// <summary>Creates a pass from its recipe options; throws <see cref="RecipeException"/> naming the field of a bad option.</summary>
/// <param name="options">Reader over the pass's <c>options</c> object (empty when absent).</param>
public delegate IPass PassFactory(RecipeOptionReader options);
