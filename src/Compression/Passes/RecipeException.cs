namespace EdgeToolkit.Compression.Passes;

/// <summary>A recipe is invalid; the message names the file and the JSON field, e.g. <c>recipe.json: passes[2].name ...</c>.</summary>
public sealed class RecipeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RecipeException(string message) : base(message) { }

    /// <summary>Creates the exception with a cause.</summary>
    public RecipeException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception with no message.</summary>
    public RecipeException() { }
}
