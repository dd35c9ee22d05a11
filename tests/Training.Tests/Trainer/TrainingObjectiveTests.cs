using EdgeToolkit.Training.Native;
using EdgeToolkit.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Training.Tests.Trainer;

[Collection(TorchGlobalStateCollection.Name)]
public sealed class TrainingObjectiveTests
{
    [Fact]
    public void Cross_entropy_objective_is_label_smoothed_cross_entropy()
    {
        torch.random.manual_seed(3);
        using var logits = torch.randn(8, 4);
        using var images = torch.randn(8, 1, 16, 16);
        using var y = torch.randint(0, 4, [8], dtype: ScalarType.Int64);
        using var expected = nn.functional.cross_entropy(logits, y, label_smoothing: 0.1);
        using var actual = new CrossEntropyObjective(0.1).Loss(logits, images, y);
        Assert.Equal(expected.item<float>(), actual.item<float>(), 6);
        Assert.Equal("cross-entropy (label smoothing 0.1)", new CrossEntropyObjective(0.1).Description);
        Assert.Equal("cross-entropy", new CrossEntropyObjective().Description);
    }

    [Fact]
    public void Distillation_objective_equals_the_distillation_loss_of_the_fine_tuner_on_the_teachers_logits()
    {
        // The loss the fine-tuner minimised before it ran on the trainer: (1 - w) CE + w T^2 KL(p_T || q_T),
        // written out here from its definition.
        torch.random.manual_seed(5);
        using var teacher = new TinyNet(4, 1);
        teacher.train();
        using var images = torch.randn(6, 1, 16, 16);
        using var studentLogits = torch.randn(6, 4).requires_grad_(true);
        using var y = torch.randint(0, 4, [6], dtype: ScalarType.Int64);
        const double w = 0.7, T = 3;

        var objective = new DistillationObjective(teacher, w, T);
        Assert.False(teacher.training, "the objective puts the teacher in eval mode");
        using var actual = objective.Loss(studentLogits, images, y);

        using var teacherLogits = teacher.call(images).detach();
        using var p = nn.functional.softmax(HeldScalars.Divide(teacherLogits, T), 1);
        using var logQ = nn.functional.log_softmax(HeldScalars.Divide(studentLogits.detach(), T), 1);
        using var kl = (p * (p.log() - logQ)).sum(1).mean();
        using var ce = nn.functional.cross_entropy(studentLogits.detach(), y);
        double expected = (1 - w) * ce.item<float>() + w * T * T * kl.item<float>();
        Assert.Equal(expected, actual.item<float>(), 5);
        using var old = new DistillationLoss(w, T).Compute(studentLogits, teacherLogits, y);
        Assert.Equal(old.item<float>(), actual.item<float>(), 6);

        actual.backward();
        Assert.NotNull(studentLogits.grad);
        Assert.All(teacher.parameters(), q => Assert.Null(q.grad));
        Assert.Equal("distillation (weight 0.7, temperature 3)", objective.Description);
    }

    [Fact]
    public void Distillation_weight_zero_is_plain_cross_entropy_and_does_not_run_the_teacher()
    {
        using var teacher = new ThrowingNet();
        using var logits = torch.randn(4, 3);
        using var y = torch.tensor(new long[] { 0, 1, 2, 0 });
        using var expected = nn.functional.cross_entropy(logits, y);
        using var actual = new DistillationObjective(teacher, 0, 4).Loss(logits, torch.zeros(4, 1, 2, 2), y);
        Assert.Equal(expected.item<float>(), actual.item<float>(), 6);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1)]
    [InlineData(double.NaN)]
    public void Bad_label_smoothing_is_named(double value)
    {
        var e = Assert.Throws<ArgumentException>(() => new CrossEntropyObjective(value));
        Assert.Contains("label smoothing must be in [0, 1)", e.Message, StringComparison.Ordinal);
    }

    private sealed class ThrowingNet : nn.Module<Tensor, Tensor>
    {
        public ThrowingNet() : base("throwing") => RegisterComponents();

        public override Tensor forward(Tensor input) => throw new InvalidOperationException("the teacher must not run");
    }
}
