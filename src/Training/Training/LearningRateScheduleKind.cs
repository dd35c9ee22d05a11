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
}
