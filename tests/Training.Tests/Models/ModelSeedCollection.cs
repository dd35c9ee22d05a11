namespace EdgeToolkit.Training.Tests.Models;

/// <summary>Runs alone: torch's global generator is shared, so parallel test classes would consume it between seed and build.</summary>
[CollectionDefinition(nameof(ModelSeedTests), DisableParallelization = true)]
public sealed class ModelSeedCollection;
