using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Training.Tests.Native;

/// <summary>
/// oneDNN's input gradient for a k x k convolution whose output channels are not a multiple of 16 is not deterministic
/// (docs/training.md, "DenseNet's gradients"); <see cref="ConvolutionCalls"/> must give exact gradients.
/// </summary>
// Seeds libtorch and sets its thread count (global state): alone, not beside other libtorch tests.
[Collection(EdgeToolkit.Training.Tests.Trainer.TorchGlobalStateCollection.Name)]
public sealed class ConvolutionCallsTests
{
    [Fact]
    public void A_12_channel_3x3_convolution_gives_the_same_input_gradient_every_time_equal_to_float64()
    {
        WithTwoThreads(() =>
        {
            torch.random.manual_seed(5);
            using var conv = nn.Conv2d(48, 12, kernel_size: 3, padding: 1, bias: false);
            using var input = torch.randn(4, 48, 16, 16);
            using var gradOutput = torch.randn(4, 12, 16, 16);

            // Reference in float64: libtorch's own kernel (oneDNN has no float64 path).
            using var x64 = input.to_type(ScalarType.Float64).requires_grad_(true);
            using var w64 = conv.weight!.detach().to_type(ScalarType.Float64);
            using (var y64 = nn.functional.conv2d(x64, w64, padding: [1, 1]))
                y64.backward([gradOutput.to_type(ScalarType.Float64)]);
            using var expected = x64.grad!.to_type(ScalarType.Float32);

            Tensor? first = null;
            for (int i = 0; i < 8; i++)
            {
                using var x = input.detach().requires_grad_(true);
                using (var y = ConvolutionCalls.Forward(conv, x))
                {
                    Assert.Equal([4L, 12L, 16L, 16L], y.shape);
                    y.backward([gradOutput]);
                }
                var grad = x.grad!.detach().clone();
                Assert.True(grad.allclose(expected, rtol: 1e-4, atol: 1e-4), $"repetition {i}: the input gradient differs from float64's");
                if (first is null) first = grad;
                else
                {
                    Assert.True(torch.equal(grad, first).all().item<bool>(), $"repetition {i}: the input gradient changed");
                    grad.Dispose();
                }
            }
            first!.Dispose();
        });
    }

    [Fact]
    public void The_padded_call_returns_what_the_module_returns()
    {
        torch.random.manual_seed(6);
        using var conv = nn.Conv2d(8, 12, kernel_size: 3, stride: 2, padding: 1, bias: true);
        using var x = torch.randn(2, 8, 9, 9);
        using var padded = ConvolutionCalls.Forward(conv, x);
        using (torch.no_grad())
        using (var plain = conv.call(x))
        {
            Assert.Equal(plain.shape, padded.shape);
            Assert.True(padded.detach().allclose(plain, rtol: 1e-5, atol: 1e-5));
        }
    }

    [Fact]
    public void A_DenseNet_step_gives_the_same_gradients_every_time()
    {
        // Unfixed, this differed in most of 8 steps with two threads (and was non-finite in some).
        WithTwoThreads(() =>
        {
            torch.random.manual_seed(3);
            using var model = ModelFactory.Create(new ModelSpec("densenet-bc-40", 4, 1, 16));
            model.train();
            using var input = torch.randn(4, 1, 16, 16);
            using var labels = torch.tensor(new long[] { 0, 1, 2, 3 });
            var state = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
            List<Tensor>? first = null;
            for (int step = 0; step < 8; step++)
            {
                // Same weights and BatchNorm statistics each time: only the gradient computation repeats.
                model.load_state_dict(state);
                model.zero_grad();
                using (var scope = torch.NewDisposeScope())
                    nn.functional.cross_entropy(model.call(input), labels).backward();
                var grads = model.named_parameters().Select(np => np.parameter.grad!.detach().clone()).ToList();
                var names = model.named_parameters().Select(np => np.name).ToList();
                for (int i = 0; i < grads.Count; i++)
                    Assert.True(grads[i].isfinite().all().item<bool>(), $"step {step}: {names[i]} has a non-finite gradient");
                if (first is null) { first = grads; continue; }
                for (int i = 0; i < grads.Count; i++)
                    Assert.True(torch.equal(grads[i], first[i]).all().item<bool>(), $"step {step}: {names[i]}'s gradient changed");
                grads.ForEach(g => g.Dispose());
            }
            first!.ForEach(g => g.Dispose());
            foreach (var t in state.Values) t.Dispose();
        });
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(1, 1)]
    [InlineData(3, 2)]
    [InlineData(2, 2)]
    public void A_depthwise_convolution_on_a_small_map_gives_the_module_s_output_and_gradients(int size, int stride)
    {
        WithTwoThreads(() =>
        {
            torch.random.manual_seed(7);
            using var conv = nn.Conv2d(32, 32, kernel_size: 3, stride: stride, padding: 1, groups: 32, bias: false);
            using var input = torch.randn(4, 32, size, size);
            Assert.True(ConvolutionCalls.PadsExplicitly(conv, input));

            // Reference in float64 through libtorch's own kernel, with the module's padding.
            using var x64 = input.to_type(ScalarType.Float64).requires_grad_(true);
            using var w64 = conv.weight!.detach().to_type(ScalarType.Float64).requires_grad_(true);
            using var y64 = nn.functional.conv2d(x64, w64, strides: [stride, stride], padding: [1, 1], groups: 32);
            using var gradOutput = torch.randn(y64.shape, dtype: ScalarType.Float64);
            y64.backward([gradOutput]);

            using var x = input.detach().requires_grad_(true);
            conv.zero_grad();
            using var y = ConvolutionCalls.Forward(conv, x);
            Assert.Equal(y64.shape, y.shape);
            y.backward([gradOutput.to_type(ScalarType.Float32)]);
            Assert.True(y.detach().allclose(y64.detach().to_type(ScalarType.Float32), rtol: 1e-5, atol: 1e-5), "output");
            Assert.True(x.grad!.allclose(x64.grad!.to_type(ScalarType.Float32), rtol: 1e-5, atol: 1e-5), "input gradient");
            Assert.True(conv.weight.grad!.allclose(w64.grad!.to_type(ScalarType.Float32), rtol: 1e-4, atol: 1e-4), "weight gradient");
        });
    }

    [Fact]
    public void Only_depthwise_convolutions_with_gradients_on_maps_of_3_pixels_or_less_are_padded_explicitly()
    {
        using var depthwise = nn.Conv2d(16, 16, kernel_size: 3, padding: 1, groups: 16, bias: false);
        using var unpadded = nn.Conv2d(16, 16, kernel_size: 3, padding: 0L, groups: 16, bias: false);
        using var dense = nn.Conv2d(16, 16, kernel_size: 3, padding: 1, bias: false);
        using var small = torch.randn(2, 16, 2, 2);
        using var large = torch.randn(2, 16, ConvolutionCalls.SmallMap + 1, 8);
        Assert.True(ConvolutionCalls.PadsExplicitly(depthwise, small));
        Assert.False(ConvolutionCalls.PadsExplicitly(depthwise, large));
        Assert.False(ConvolutionCalls.PadsExplicitly(unpadded, small));
        Assert.False(ConvolutionCalls.PadsExplicitly(dense, small));
        using (torch.no_grad())
            Assert.False(ConvolutionCalls.PadsExplicitly(depthwise, small));

        // An unbatched (C, H, W) map runs the plain module, as libtorch allows.
        using var unbatched = torch.randn(16, 2, 2);
        Assert.False(ConvolutionCalls.PadsExplicitly(depthwise, unbatched));
        using var y = ConvolutionCalls.Forward(depthwise, unbatched);
        using var expected = depthwise.call(unbatched);
        Assert.Equal([16L, 2, 2], y.shape);
        Assert.True(y.allclose(expected));
    }

    private static void WithTwoThreads(Action test)
    {
        int threads = torch.get_num_threads();
        torch.set_num_threads(2);
        try { test(); }
        finally { torch.set_num_threads(threads); }
    }
}
