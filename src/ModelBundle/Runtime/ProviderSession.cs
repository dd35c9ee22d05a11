using Microsoft.ML.OnnxRuntime;

namespace EdgeToolkit.ModelBundle.Runtime;

/// <summary>A session created by <see cref="ExecutionProviderSelector.CreateSession"/> and the provider it runs on.</summary>
/// <param name="Session">The session (the caller owns and disposes it).</param>
/// <param name="Requested">The provider that was asked for.</param>
/// <param name="Used">The provider the session runs on (<see cref="ExecutionProvider.Cpu"/> after a fallback).</param>
/// <param name="Fallback">Why the session runs on another provider than requested (one line), or null.</param>
public sealed record ProviderSession(InferenceSession Session, ExecutionProvider Requested, ExecutionProvider Used, string? Fallback);
