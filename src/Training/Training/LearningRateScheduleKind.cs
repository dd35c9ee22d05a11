namespace EdgeToolkit.Training.Training;

/// <summary>How the learning rate decays after warm-up.</summary>
public enum LearningRateScheduleKind
{
    /// <summary>Cosine annealing from the base rate to zero over the remaining epochs, per step.</summary>
    Cosine,

    /// <summary>Multiply by <see cref="TrainerOptions.Gamma"/> every <see cref="TrainerOptions.StepSize"/> epochs.</summary>
    Step,

    /// <summary>Multiply by <see cref="TrainerOptions.Gamma"/> at each epoch of <see cref="TrainerOptions.Milestones"/> (the ResNet and DenseNet papers' schedule).</summary>
    MultiStep,

    /// <summary>
    /// One cycle (Smith &amp; Topin 2018; PyTorch's <c>OneCycleLR</c> with cosine annealing): from the base rate / 25 up to
    /// the base rate over the first 30 % of the plan's steps, then down to the base rate / 250,000 at its last step.
    /// The rise is its warm-up: <see cref="TrainerOptions.WarmupEpochs"/> is not used.
    /// </summary>
    OneCycle,
}
