namespace EdgeToolkit.ModelBundle;

/// <summary>A bundle could not be read or written; the message names the file and what is wrong.</summary>
public sealed class BundleException : Exception
{
    public BundleException() { }
    public BundleException(string message) : base(message) { }
    public BundleException(string message, Exception inner) : base(message, inner) { }
}
