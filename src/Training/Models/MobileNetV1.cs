using EdgeToolkit.Training.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeToolkit.Training.Models;

/// <summary>
/// MobileNet v1 (Howard et al., 2017) with width multiplier alpha (or an explicit per-layer
/// channel plan) and any input size (the resolution multiplier), ReLU activations as in the paper.
/// </summary>
/// <remarks>
/// Layout (these names are the state-dict keys, the ONNX initializer names, and what width
/// pruning relies on):
/// <c>features.0</c> = stem Sequential(0: Conv2d 3x3 no bias, 1: BatchNorm2d, 2: ReLU);
/// <c>features.1</c> .. <c>features.13</c> = <see cref="DepthwiseSeparable"/>;
/// <c>avgpool</c> = AdaptiveAvgPool2d(1), then flatten from dim 1; <c>classifier</c> = Linear.
/// Every channel count is <c>MakeDivisible(paperChannels * alpha, 8)</c>, so a network pruned to
/// alpha has exactly the shapes of one built at alpha.
/// </remarks>
public sealed class MobileNetV1 : Module<Tensor, Tensor>
{
    /// <summary>Largest input side treated as a "small" (CIFAR/MNIST-sized) input, see <see cref="Strides"/>.</summary>
    public const int SmallInputMaxSize = 64;

    /// <summary>Output channels of the stem followed by the 13 depthwise-separable layers, at alpha 1.</summary>
    public static IReadOnlyList<int> PaperChannels { get; } = [32, 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024];

    private static readonly int[] PaperStrides = [2, 1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1];

    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Linear classifier;

    /// <summary>Builds MobileNet v1 at a uniform width multiplier (every layer <c>MakeDivisible(c * alpha, 8)</c> channels).</summary>
    /// <param name="numClasses">Classes predicted by <c>classifier</c>.</param>
    /// <param name="alpha">Width multiplier in (0, 1].</param>
    /// <param name="inputChannels">1 or 3 (any positive count works).</param>
    /// <param name="inputSize">Input side in pixels; selects the stem stride (see <see cref="Strides"/>).</param>
    /// <exception cref="ArgumentException">alpha outside (0, 1], or a non-positive count.</exception>
    public MobileNetV1(int numClasses, double alpha = 1.0, int inputChannels = 3, int inputSize = 224)
        : this(numClasses, ValidAlpha(alpha), Channels(ValidAlpha(alpha)), inputChannels, inputSize)
    {
    }

    /// <summary>
    /// Builds MobileNet v1 from an explicit channel plan: the output channels of the stem and of each of
    /// the 13 depthwise-separable layers (a non-uniform width, as pruning chooses it).
    /// </summary>
    /// <param name="numClasses">Classes predicted by <c>classifier</c>.</param>
    /// <param name="channelPlan">14 positive channel counts (see <see cref="ValidatePlan"/>).</param>
    /// <param name="inputChannels">1 or 3 (any positive count works).</param>
    /// <param name="inputSize">Input side in pixels; selects the stem stride (see <see cref="Strides"/>).</param>
    /// <exception cref="ArgumentException">An invalid plan (the message names the layer) or a non-positive count.</exception>
    public MobileNetV1(int numClasses, IReadOnlyList<int> channelPlan, int inputChannels = 3, int inputSize = 224)
        : this(numClasses, NominalAlpha(ValidatePlan(channelPlan)), channelPlan, inputChannels, inputSize)
    {
    }

    private MobileNetV1(int numClasses, double alpha, IReadOnlyList<int> channels, int inputChannels, int inputSize) : base("mobilenet_v1")
    {
        ValidatePlan(channels);
        if (numClasses < 1) throw new ArgumentException($"numClasses must be >= 1 but was {numClasses}.", nameof(numClasses));
        if (inputChannels < 1) throw new ArgumentException($"inputChannels must be >= 1 but was {inputChannels}.", nameof(inputChannels));
        if (inputSize < 1) throw new ArgumentException($"inputSize must be >= 1 but was {inputSize}.", nameof(inputSize));

        Alpha = alpha;
        ChannelPlan = channels.ToArray();
        InputChannels = inputChannels;
        InputSize = inputSize;
        NumClasses = numClasses;
        var strides = Strides(inputSize);

        var layers = new List<(string, Module<Tensor, Tensor>)>
        {
            ("0", Sequential(
                Conv2d(inputChannels, channels[0], kernel_size: 3, stride: strides[0], padding: 1, bias: false),
                BatchNorm2d(channels[0]),
                ReLU(inplace: true))),
        };
        for (int i = 1; i < channels.Count; i++)
            layers.Add((i.ToString(System.Globalization.CultureInfo.InvariantCulture), new DepthwiseSeparable(channels[i - 1], channels[i], strides[i])));
        features = Sequential(layers.ToArray());
        avgpool = AdaptiveAvgPool2d(1);
        classifier = Linear(channels[^1], numClasses);
        RegisterComponents();
        WeightInit.Apply(this);
    }

    /// <summary>torchvision's <c>_make_divisible</c>: round to the nearest multiple of divisor, at least minValue (default divisor), never more than 10% below v.</summary>
    public static int MakeDivisible(double v, int divisor = 8, int? minValue = null)
    {
        int min = minValue ?? divisor;
        int rounded = Math.Max(min, (int)(v + divisor / 2.0) / divisor * divisor);
        if (rounded < 0.9 * v) rounded += divisor;
        return rounded;
    }

    /// <summary>Output channels of the stem and the 13 layers at width multiplier alpha: <c>MakeDivisible(c * alpha, 8)</c>.</summary>
    public static IReadOnlyList<int> Channels(double alpha) => PaperChannels.Select(c => MakeDivisible(c * alpha, 8)).ToArray();

    /// <summary>Number of entries in a channel plan: the stem and the 13 depthwise-separable layers.</summary>
    public static int PlanLength => PaperChannels.Count;

    /// <summary>
    /// Checks a channel plan: exactly <see cref="PlanLength"/> entries, each in [1, 4 x the paper's
    /// channels of that layer]. Returns the plan.
    /// </summary>
    /// <exception cref="ArgumentException">The message names the offending layer (<c>channelPlan[i]</c>).</exception>
    public static IReadOnlyList<int> ValidatePlan(IReadOnlyList<int> channelPlan)
    {
        ArgumentNullException.ThrowIfNull(channelPlan);
        if (channelPlan.Count != PlanLength)
            throw new ArgumentException($"channelPlan must have {PlanLength} entries (stem + 13 layers) but has {channelPlan.Count}.", nameof(channelPlan));
        for (int i = 0; i < channelPlan.Count; i++)
        {
            if (channelPlan[i] < 1 || channelPlan[i] > 4 * PaperChannels[i])
                throw new ArgumentException($"channelPlan[{i}] must be in [1, {4 * PaperChannels[i]}] but was {channelPlan[i]}.", nameof(channelPlan));
        }
        return channelPlan;
    }

    /// <summary>The plan's width relative to the paper's: total channels / total paper channels (1.0 for alpha 1.0, about alpha for a uniform plan).</summary>
    public static double NominalAlpha(IReadOnlyList<int> channelPlan)
    {
        ArgumentNullException.ThrowIfNull(channelPlan);
        double ratio = channelPlan.Sum() / (double)PaperChannels.Sum();
        return Math.Round(Math.Clamp(ratio, 1e-3, 1.0), 4);
    }

    /// <summary>
    /// Multiply-accumulates of one image through MobileNet v1 built from <paramref name="channelPlan"/>,
    /// counted as <c>ModelComplexity</c> counts them (convolutions and the classifier; BatchNorm, ReLU and
    /// pooling count zero), without building the network: what width searches evaluate thousands of times.
    /// </summary>
    public static long Macs(IReadOnlyList<int> channelPlan, int inputChannels, int inputSize, int numClasses)
    {
        ValidatePlan(channelPlan);
        var strides = Strides(inputSize);
        long side = (inputSize + 2 - 3) / strides[0] + 1;
        long macs = side * side * channelPlan[0] * inputChannels * 9L;
        for (int i = 1; i < channelPlan.Count; i++)
        {
            side = (side + 2 - 3) / strides[i] + 1;
            macs += side * side * channelPlan[i - 1] * 9L;                   // depthwise 3x3
            macs += side * side * channelPlan[i - 1] * (long)channelPlan[i]; // pointwise 1x1
        }
        return macs + (long)channelPlan[^1] * numClasses;
    }

    /// <summary>Whether a plan is exactly the uniform plan of <paramref name="alpha"/>.</summary>
    public static bool IsUniform(IReadOnlyList<int> channelPlan, double alpha) => channelPlan.SequenceEqual(Channels(alpha));

    private static double ValidAlpha(double alpha) => alpha > 0 && alpha <= 1
        ? alpha
        : throw new ArgumentException($"MobileNet v1 alpha must be in (0, 1] but was {alpha}.", nameof(alpha));

    /// <summary>
    /// Strides of the stem and the 13 layers for an input side. Paper strides (total 32) above
    /// <see cref="SmallInputMaxSize"/>; for inputs of at most 64 pixels the stem uses stride 1
    /// (total 16), so 32x32 ends at 2x2 and 28x28 at 2x2 (the usual CIFAR adaptation) instead of 1x1.
    /// </summary>
    public static IReadOnlyList<int> Strides(int inputSize)
    {
        var strides = (int[])PaperStrides.Clone();
        if (inputSize <= SmallInputMaxSize) strides[0] = 1;
        return strides;
    }

    /// <summary>Width multiplier (for a network built from a plan: <see cref="NominalAlpha"/> of the plan).</summary>
    public double Alpha { get; }

    /// <summary>Output channels of the stem and the 13 layers (the channel plan this network was built from).</summary>
    public IReadOnlyList<int> ChannelPlan { get; }

    /// <summary>Number of input image channels.</summary>
    public int InputChannels { get; }

    /// <summary>Input side the strides were chosen for (other sizes still run).</summary>
    public int InputSize { get; }

    /// <summary>Number of output classes.</summary>
    public int NumClasses { get; }

    /// <summary><c>features</c>: the stem Sequential then 13 <see cref="DepthwiseSeparable"/> layers.</summary>
    public Sequential Features => features;

    /// <summary>The stem Sequential(Conv2d, BatchNorm2d, ReLU) = <c>features.0</c>.</summary>
    public Sequential Stem => (Sequential)features.children().First();

    /// <summary><c>features.1</c> .. <c>features.13</c> in order.</summary>
    public IReadOnlyList<DepthwiseSeparable> Blocks => features.children().OfType<DepthwiseSeparable>().ToArray();

    /// <summary>Global average pooling (<c>avgpool</c>), followed by a flatten from dim 1.</summary>
    public AdaptiveAvgPool2d AvgPool => avgpool;

    /// <summary>The classifier (<c>classifier</c>).</summary>
    public Linear Classifier => classifier;

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = BatchNormCalls.Forward(features, input);
        x = avgpool.call(x).flatten(1);
        return classifier.call(x).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Depthwise-separable layer: <c>relu2(bn2(pointwise(relu1(bn1(depthwise(x))))))</c>.
    /// </summary>
    public sealed class DepthwiseSeparable : Module<Tensor, Tensor>
    {
        private readonly Conv2d depthwise;
        private readonly BatchNorm2d bn1;
        private readonly ReLU relu1;
        private readonly Conv2d pointwise;
        private readonly BatchNorm2d bn2;
        private readonly ReLU relu2;

        /// <summary>Builds the layer.</summary>
        public DepthwiseSeparable(int inChannels, int outChannels, int stride) : base(nameof(DepthwiseSeparable))
        {
            depthwise = Conv2d(inChannels, inChannels, kernel_size: 3, stride: stride, padding: 1, groups: inChannels, bias: false);
            bn1 = BatchNorm2d(inChannels);
            relu1 = ReLU(inplace: true);
            pointwise = Conv2d(inChannels, outChannels, kernel_size: 1, bias: false);
            bn2 = BatchNorm2d(outChannels);
            relu2 = ReLU(inplace: true);
            InChannels = inChannels;
            OutChannels = outChannels;
            Stride = stride;
            RegisterComponents();
        }

        /// <summary>Input channels (= depthwise groups).</summary>
        public int InChannels { get; }

        /// <summary>Output channels of the pointwise convolution.</summary>
        public int OutChannels { get; }

        /// <summary>Stride of the depthwise convolution.</summary>
        public int Stride { get; }

        /// <summary>Depthwise 3x3 convolution, groups = InChannels, padding 1, no bias.</summary>
        public Conv2d Depthwise => depthwise;

        /// <summary>BatchNorm after the depthwise convolution.</summary>
        public BatchNorm2d Bn1 => bn1;

        /// <summary>ReLU after <c>bn1</c>.</summary>
        public ReLU Relu1 => relu1;

        /// <summary>Pointwise 1x1 convolution, no bias.</summary>
        public Conv2d Pointwise => pointwise;

        /// <summary>BatchNorm after the pointwise convolution.</summary>
        public BatchNorm2d Bn2 => bn2;

        /// <summary>ReLU after <c>bn2</c>.</summary>
        public ReLU Relu2 => relu2;

        /// <inheritdoc/>
        public override Tensor forward(Tensor input) =>
            BatchNormCalls.ForwardRelu(bn2, pointwise.call(BatchNormCalls.ForwardRelu(bn1, ConvolutionCalls.Forward(depthwise, input))));
    }
}
