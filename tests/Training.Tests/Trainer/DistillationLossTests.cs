using EdgeToolkit.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Training.Tests.Trainer;

public sealed class DistillationLossTests
{
    [Fact]
    public void Weight_zero_is_plain_cross_entropy()
    {
        torch.random.manual_seed(1);
        using var s = torch.randn(8, 5);
        using var t = torch.randn(8, 5);
        using var y = torch.randint(0, 5, [8], dtype: ScalarType.Int64);
        using var expected = nn.functional.cross_entropy(s, y);
        using var actual = new DistillationLoss(0, 4).Compute(s, t, y);
        Assert.Equal(expected.item<float>(), actual.item<float>(), 6);
    }

    [Fact]
    public void Soft_term_matches_the_hand_computed_KL_divergence()
    {
        // One sample, two classes, T = 2: p = softmax([2, 0] / 2), q = softmax([0, 0] / 2) = [0.5, 0.5].
        using var student = torch.tensor(new float[] { 0, 0 }).reshape(1, 2);
        using var teacher = torch.tensor(new float[] { 2, 0 }).reshape(1, 2);
        using var y = torch.tensor(new long[] { 0 });
        double p0 = Math.Exp(1) / (Math.Exp(1) + 1), p1 = 1 - p0;
        double kl = p0 * Math.Log(p0 / 0.5) + p1 * Math.Log(p1 / 0.5);
        double ce = Math.Log(2);
        using var loss = new DistillationLoss(0.75, 2).Compute(student, teacher, y);
        Assert.Equal(0.25 * ce + 0.75 * 4 * kl, loss.item<float>(), 5);
    }

    [Fact]
    public void Identical_teacher_and_student_add_nothing_and_gradients_reach_only_the_student()
    {
        torch.random.manual_seed(2);
        using var s = torch.randn(6, 4).requires_grad_(true);
        using var t = s.detach().clone().requires_grad_(true);
        using var y = torch.randint(0, 4, [6], dtype: ScalarType.Int64);
        using var loss = new DistillationLoss(0.5, 3).Compute(s, t, y);
        using var ce = nn.functional.cross_entropy(s.detach(), y);
        Assert.Equal(0.5 * ce.item<float>(), loss.item<float>(), 5);
        loss.backward();
        Assert.NotNull(s.grad);
        Assert.Null(t.grad);
    }

    [Theory]
    [InlineData(-0.1, 4, "weight")]
    [InlineData(1.1, 4, "weight")]
    [InlineData(0.5, 0, "temperature")]
    [InlineData(0.5, double.NaN, "temperature")]
    public void Bad_settings_are_rejected_naming_the_setting(double weight, double temperature, string named)
    {
        var e = Assert.Throws<ArgumentException>(() => new DistillationLoss(weight, temperature));
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }
}
