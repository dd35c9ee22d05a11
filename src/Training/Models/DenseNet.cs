using System.Globalization;
using EdgeToolkit.Training.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeToolkit.Training.Models;

/// <summary>
/// DenseNet-BC for CIFAR-sized inputs (Huang et al., 2017): bottleneck layers
/// (BN-ReLU-Conv1x1(4k)-BN-ReLU-Conv3x3(k)), compression 0.5, three dense blocks of
/// <c>(depth - 4) / 6</c> layers, a 3x3 stem of 2k channels. Named like torchvision.
/// </summary>
/// <remarks>
/// Forward: <c>classifier(flatten(avgpool(relu(features(x))), 1))</c>, where
/// <c>features</c> = Sequential(conv0, denseblock1, transition1, denseblock2, transition2,
/// denseblock3, norm5). torchvision applies the final ReLU and pooling functionally; here they are
/// the parameter-free modules <c>relu</c> and <c>avgpool</c> so an exporter can see them.
/// State-dict keys: <c>features.conv0.weight</c>, <c>features.denseblock1.denselayer1.norm1.weight</c>,
/// <c>features.transition1.conv.weight</c>, <c>features.norm5.weight</c>, <c>classifier.weight</c>.
/// </remarks>
public sealed class DenseNet : Module<Tensor, Tensor>
{
    private readonly Sequential features;
    private readonly ReLU relu;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Linear classifier;
    private readonly DenseBlock[] blocks;
    private readonly Transition[] transitions;

    /// <summary>Builds DenseNet-BC.</summary>
    /// <param name="depth">Total depth L; must be 6n+4 (e.g. 40, 100, 190).</param>
    /// <param name="growthRate">Growth rate k (channels added by each layer).</param>
    /// <param name="numClasses">Classes predicted by <c>classifier</c>.</param>
    /// <param name="inputChannels">Input image channels.</param>
    /// <param name="compression">Transition compression theta in (0, 1].</param>
    /// <exception cref="ArgumentException">An invalid depth, growth rate, compression or count.</exception>
    public DenseNet(int depth, int growthRate, int numClasses, int inputChannels = 3, double compression = 0.5)
        : base($"densenet-bc-{depth}")
    {
        if (depth < 10 || (depth - 4) % 6 != 0)
            throw new ArgumentException($"DenseNet-BC depth must be 6n+4 (40, 100, 190) but was {depth}.", nameof(depth));
        if (growthRate < 1) throw new ArgumentException($"DenseNet growth rate must be >= 1 but was {growthRate}.", nameof(growthRate));
        if (!(compression > 0 && compression <= 1))
            throw new ArgumentException($"DenseNet compression must be in (0, 1] but was {compression}.", nameof(compression));
        if (numClasses < 1) throw new ArgumentException($"numClasses must be >= 1 but was {numClasses}.", nameof(numClasses));
        if (inputChannels < 1) throw new ArgumentException($"inputChannels must be >= 1 but was {inputChannels}.", nameof(inputChannels));

        Depth = depth;
        GrowthRate = growthRate;
        NumClasses = numClasses;
        InputChannels = inputChannels;
        int layersPerBlock = (depth - 4) / 6;
        int channels = 2 * growthRate;
        var named = new List<(string, Module<Tensor, Tensor>)>
        {
            ("conv0", Conv2d(inputChannels, channels, kernel_size: 3, stride: 1, padding: 1, bias: false)),
        };
        blocks = new DenseBlock[3];
        transitions = new Transition[2];
        for (int b = 0; b < 3; b++)
        {
            blocks[b] = new DenseBlock(layersPerBlock, channels, growthRate);
            named.Add(($"denseblock{b + 1}", blocks[b]));
            channels = blocks[b].OutChannels;
            if (b < 2)
            {
                int outChannels = (int)Math.Floor(channels * compression);
                transitions[b] = new Transition(channels, outChannels);
                named.Add(($"transition{b + 1}", transitions[b]));
                channels = outChannels;
            }
        }
        named.Add(("norm5", BatchNorm2d(channels)));
        features = Sequential(named.ToArray());
        relu = ReLU(inplace: true);
        avgpool = AdaptiveAvgPool2d(1);
        classifier = Linear(channels, numClasses);
        RegisterComponents();
        WeightInit.Apply(this);
    }

    /// <summary>Total depth L.</summary>
    public int Depth { get; }

    /// <summary>Growth rate k.</summary>
    public int GrowthRate { get; }

    /// <summary>Number of output classes.</summary>
    public int NumClasses { get; }

    /// <summary>Number of input image channels.</summary>
    public int InputChannels { get; }

    /// <summary><c>features</c>: conv0, denseblock1, transition1, denseblock2, transition2, denseblock3, norm5.</summary>
    public Sequential Features => features;

    /// <summary>The three dense blocks in order.</summary>
    public IReadOnlyList<DenseBlock> Blocks => blocks;

    /// <summary>The two transitions in order.</summary>
    public IReadOnlyList<Transition> Transitions => transitions;

    /// <summary>ReLU after <c>features.norm5</c>.</summary>
    public ReLU Relu => relu;

    /// <summary>Global average pooling (<c>avgpool</c>), followed by a flatten from dim 1.</summary>
    public AdaptiveAvgPool2d AvgPool => avgpool;

    /// <summary>The classifier (<c>classifier</c>).</summary>
    public Linear Classifier => classifier;

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = relu.call(BatchNormCalls.Forward(features, input));
        x = avgpool.call(x).flatten(1);
        return classifier.call(x).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Bottleneck layer <c>conv2(relu2(norm2(conv1(relu1(norm1(x))))))</c>; returns only the
    /// <see cref="GrowthRate"/> new channels (the block concatenates them).
    /// </summary>
    public sealed class DenseLayer : Module<Tensor, Tensor>
    {
        private readonly BatchNorm2d norm1;
        private readonly ReLU relu1;
        private readonly Conv2d conv1;
        private readonly BatchNorm2d norm2;
        private readonly ReLU relu2;
        private readonly Conv2d conv2;

        /// <summary>Builds a bottleneck layer with a 1x1 convolution to <c>4 * growthRate</c> channels.</summary>
        public DenseLayer(int inChannels, int growthRate) : base(nameof(DenseLayer))
        {
            norm1 = BatchNorm2d(inChannels);
            relu1 = ReLU(inplace: true);
            conv1 = Conv2d(inChannels, 4 * growthRate, kernel_size: 1, bias: false);
            norm2 = BatchNorm2d(4 * growthRate);
            relu2 = ReLU(inplace: true);
            conv2 = Conv2d(4 * growthRate, growthRate, kernel_size: 3, padding: 1, bias: false);
            InChannels = inChannels;
            GrowthRate = growthRate;
            RegisterComponents();
        }

        /// <summary>Input channels.</summary>
        public int InChannels { get; }

        /// <summary>Output channels (k).</summary>
        public int GrowthRate { get; }

        /// <summary>BatchNorm on the input (<c>norm1</c>).</summary>
        public BatchNorm2d Norm1 => norm1;

        /// <summary>ReLU after <c>norm1</c>.</summary>
        public ReLU Relu1 => relu1;

        /// <summary>1x1 bottleneck convolution to 4k channels (<c>conv1</c>).</summary>
        public Conv2d Conv1 => conv1;

        /// <summary>BatchNorm after <c>conv1</c>.</summary>
        public BatchNorm2d Norm2 => norm2;

        /// <summary>ReLU after <c>norm2</c>.</summary>
        public ReLU Relu2 => relu2;

        /// <summary>3x3 convolution to k channels, padding 1 (<c>conv2</c>).</summary>
        public Conv2d Conv2 => conv2;

        /// <inheritdoc/>
        public override Tensor forward(Tensor input) =>
            // conv2 has k = 12 output channels: its input gradient needs ConvolutionCalls (oneDNN, see there).
            ConvolutionCalls.Forward(conv2, BatchNormCalls.ForwardRelu(norm2, conv1.call(BatchNormCalls.ForwardRelu(norm1, input))));
    }

    /// <summary>
    /// Dense block: for each layer in order, <c>x = torch.cat([x, layer(x)], dim: 1)</c>
    /// (one Concat of two tensors per layer; same result as torchvision's concatenation of all
    /// previous outputs). Children are named <c>denselayer1</c> .. <c>denselayerN</c>.
    /// </summary>
    public sealed class DenseBlock : Module<Tensor, Tensor>
    {
        private readonly DenseLayer[] layers;

        /// <summary>Builds <paramref name="numLayers"/> layers starting from <paramref name="inChannels"/>.</summary>
        public DenseBlock(int numLayers, int inChannels, int growthRate) : base(nameof(DenseBlock))
        {
            layers = new DenseLayer[numLayers];
            for (int i = 0; i < numLayers; i++)
            {
                layers[i] = new DenseLayer(inChannels + i * growthRate, growthRate);
                register_module("denselayer" + (i + 1).ToString(CultureInfo.InvariantCulture), layers[i]);
            }
            InChannels = inChannels;
            OutChannels = inChannels + numLayers * growthRate;
            GrowthRate = growthRate;
            RegisterComponents();
        }

        /// <summary>Input channels.</summary>
        public int InChannels { get; }

        /// <summary>Output channels = InChannels + layers * GrowthRate.</summary>
        public int OutChannels { get; }

        /// <summary>Growth rate k.</summary>
        public int GrowthRate { get; }

        /// <summary>The layers <c>denselayer1</c>.. in order.</summary>
        public IReadOnlyList<DenseLayer> Layers => layers;

        /// <inheritdoc/>
        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var x = input;
            foreach (var layer in layers)
                x = torch.cat([x, layer.call(x)], 1);
            return x.MoveToOuterDisposeScope();
        }
    }

    /// <summary>Transition <c>pool(conv(relu(norm(x))))</c>: BN, ReLU, Conv1x1 (no bias), AvgPool2d(2, stride 2).</summary>
    public sealed class Transition : Module<Tensor, Tensor>
    {
        private readonly BatchNorm2d norm;
        private readonly ReLU relu;
        private readonly Conv2d conv;
        private readonly AvgPool2d pool;

        /// <summary>Builds a transition from <paramref name="inChannels"/> to <paramref name="outChannels"/>.</summary>
        public Transition(int inChannels, int outChannels) : base(nameof(Transition))
        {
            norm = BatchNorm2d(inChannels);
            relu = ReLU(inplace: true);
            conv = Conv2d(inChannels, outChannels, kernel_size: 1, bias: false);
            pool = AvgPool2d(kernel_size: 2, stride: 2);
            InChannels = inChannels;
            OutChannels = outChannels;
            RegisterComponents();
        }

        /// <summary>Input channels.</summary>
        public int InChannels { get; }

        /// <summary>Output channels.</summary>
        public int OutChannels { get; }

        /// <summary>BatchNorm (<c>norm</c>).</summary>
        public BatchNorm2d Norm => norm;

        /// <summary>ReLU after <c>norm</c>.</summary>
        public ReLU Relu => relu;

        /// <summary>1x1 convolution (<c>conv</c>).</summary>
        public Conv2d Conv => conv;

        /// <summary>2x2 average pooling, stride 2, no padding (<c>pool</c>; odd sides are floored).</summary>
        public AvgPool2d Pool => pool;

        /// <inheritdoc/>
        public override Tensor forward(Tensor input) =>
            pool.call(conv.call(BatchNormCalls.ForwardRelu(norm, input)));
    }
}
