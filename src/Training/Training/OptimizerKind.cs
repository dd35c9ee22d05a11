namespace EdgeToolkit.Training.Training;

/// <summary>The optimisation algorithm a <see cref="Trainer"/> uses.</summary>
public enum OptimizerKind
{
    /// <summary>Stochastic gradient descent with optional (Nesterov) momentum.</summary>
    Sgd,

    /// <summary>Adam with L2 weight decay added to the gradient.</summary>
    Adam,

    /// <summary>Adam with decoupled weight decay.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("adamw")]
    AdamW,
}
