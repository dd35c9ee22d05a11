using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Training.Tests.Models;

public sealed class FlipAveragedTests
{
    [Fact]
    public void The_view_predicts_the_mean_of_the_logits_of_the_images_and_their_mirrors()
    {
        torch.random.manual_seed(3);
        using var model = ModelFactory.Create(new ModelSpec("resnet20", 10, 1, 16));
        model.eval();
        using var x = torch.randn(5, 1, 16, 16);
        using var mirrored = x.flip(3);
        using var noGrad = torch.no_grad();
        using var plain = model.call(x);
        using var ofMirror = model.call(mirrored);

        using var view = new FlipAveraged(model);
        using var averaged = view.call(x);

        using var expected = HeldScalars.Divide(HeldScalars.Add(plain, ofMirror), 2);
        Assert.Equal(new long[] { 5, 10 }, averaged.shape);
        Assert.True(torch.allclose(averaged, expected, rtol: 1e-5, atol: 1e-6));
        // The network is not mirror-symmetric, so the average differs from the plain prediction: the test measures the flip.
        Assert.False(torch.allclose(averaged, plain, rtol: 1e-3, atol: 1e-4));
        // A mirror-symmetric batch gives the plain logits.
        using var symmetric = torch.cat([x, mirrored], 3);
        using var wide = ModelFactory.Create(new ModelSpec("resnet20", 10, 1, 32));
        wide.eval();
        using var wideView = new FlipAveraged(wide);
        using var ofSymmetric = wideView.call(symmetric);
        using var plainOfSymmetric = wide.call(symmetric);
        Assert.True(torch.allclose(ofSymmetric, plainOfSymmetric, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Train_and_eval_reach_the_classifier_and_disposing_the_view_leaves_it_usable()
    {
        using var model = ModelFactory.Create(new ModelSpec("mobilenet_v1", 10, 1, 16, Alpha: 0.25));
        model.train();
        var view = new FlipAveraged(model);
        Assert.True(view.training);
        view.eval();
        Assert.False(model.training);
        view.train();
        Assert.True(model.training);
        view.Dispose();

        model.eval();
        using var noGrad = torch.no_grad();
        using var x = torch.randn(2, 1, 16, 16);
        using var logits = model.call(x);
        Assert.Equal(new long[] { 2, 10 }, logits.shape);
    }

    [Fact]
    public void None_is_the_classifier_itself()
    {
        using var model = ModelFactory.Create(new ModelSpec("resnet20", 10, 1, 16));
        Assert.Same(model, FlipAveraged.Apply(model, TestTimeAugmentation.None));
        Assert.IsType<FlipAveraged>(FlipAveraged.Apply(model, TestTimeAugmentation.Flip));
    }
}
