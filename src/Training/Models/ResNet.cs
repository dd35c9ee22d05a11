using EdgeToolkit.Training.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeToolkit.Training.Models;

/// <summary>
/// ResNet with basic blocks, written the way torchvision writes it. Two families:
/// the CIFAR ResNet-20/32/44/56/110 of He et al. (2016), section 4.2 — 3x3 stem of 16 channels,
/// three stages of 16/32/64 channels, parameter-free "option A" shortcuts (<see cref="PadShortcut"/>)
/// — and ResNet-18 adapted to small inputs (3x3 stride-1 stem, no max-pool, torchvision
/// <c>layer1..layer4</c> with <c>downsample</c> = Sequential(conv1x1, bn)).
/// </summary>
/// <remarks>
/// Forward: <c>fc(flatten(avgpool(layerN(...layer1(relu(bn1(conv1(x))))))), 1)</c>.
/// State-dict keys: <c>conv1.weight</c>, <c>bn1.*</c>, <c>layer1.0.conv1.weight</c>,
/// <c>layer2.0.downsample.0.weight</c> (ResNet-18 only), <c>fc.weight</c>, <c>fc.bias</c>.
/// </remarks>
public sealed class ResNet : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential? layer4;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Linear fc;
    private readonly Sequential[] layers;

    private ResNet(string name, int inputChannels, int numClasses, int[] widths, int[] blocksPerStage, int[] strides, bool projectionShortcut)
        : base(name)
    {
        conv1 = Conv2d(inputChannels, widths[0], kernel_size: 3, stride: 1, padding: 1, bias: false);
        bn1 = BatchNorm2d(widths[0]);
        relu = ReLU(inplace: true);
        int inPlanes = widths[0];
        var stages = new Sequential[widths.Length];
        for (int s = 0; s < widths.Length; s++)
        {
            var stage = Sequential();
            for (int b = 0; b < blocksPerStage[s]; b++)
            {
                int stride = b == 0 ? strides[s] : 1;
                // The Sequential owns the block: it is registered as a submodule and disposed with the model.
#pragma warning disable CA2000
                stage.append(new BasicBlock(inPlanes, widths[s], stride, projectionShortcut));
#pragma warning restore CA2000
                inPlanes = widths[s];
            }
            stages[s] = stage;
        }
        layer1 = stages[0];
        layer2 = stages[1];
        layer3 = stages[2];
        layer4 = stages.Length > 3 ? stages[3] : null;
        layers = stages;
        avgpool = AdaptiveAvgPool2d(1);
        fc = Linear(inPlanes, numClasses);
        InputChannels = inputChannels;
        NumClasses = numClasses;
        RegisterComponents();
        WeightInit.Apply(this);
    }

    /// <summary>
    /// CIFAR ResNet of depth <c>6n+2</c> (20, 32, 44, 56, 110): n basic blocks in each of three
    /// stages of 16, 32 and 64 channels, option-A shortcuts. ResNet-20 has 0.27M parameters.
    /// </summary>
    /// <exception cref="ArgumentException">depth is not 6n+2 with n &gt;= 1.</exception>
    public static ResNet Cifar(int depth, int numClasses, int inputChannels = 3)
    {
        if (depth < 8 || (depth - 2) % 6 != 0)
            throw new ArgumentException($"CIFAR ResNet depth must be 6n+2 (20, 32, 44, 56, 110) but was {depth}.", nameof(depth));
        int n = (depth - 2) / 6;
        return new ResNet($"resnet{depth}", inputChannels, numClasses, [16, 32, 64], [n, n, n], [1, 2, 2], projectionShortcut: false);
    }

    /// <summary>ResNet-18 for small inputs: 3x3 stride-1 stem, no max-pool, stages 64/128/256/512, projection shortcuts.</summary>
    public static ResNet ResNet18(int numClasses, int inputChannels = 3) =>
        new("resnet18", inputChannels, numClasses, [64, 128, 256, 512], [2, 2, 2, 2], [1, 2, 2, 2], projectionShortcut: true);

    /// <summary>Number of input image channels.</summary>
    public int InputChannels { get; }

    /// <summary>Number of output classes.</summary>
    public int NumClasses { get; }

    /// <summary>The 3x3 stem convolution (<c>conv1</c>).</summary>
    public Conv2d Conv1 => conv1;

    /// <summary>The stem BatchNorm (<c>bn1</c>).</summary>
    public BatchNorm2d Bn1 => bn1;

    /// <summary>The stem ReLU (<c>relu</c>).</summary>
    public ReLU Relu => relu;

    /// <summary>The stages <c>layer1</c>.. in order (3 for CIFAR ResNets, 4 for ResNet-18); each holds <see cref="BasicBlock"/>s.</summary>
    public IReadOnlyList<Sequential> Layers => layers;

    /// <summary>Global average pooling (<c>avgpool</c>), followed by a flatten from dim 1.</summary>
    public AdaptiveAvgPool2d AvgPool => avgpool;

    /// <summary>The classifier (<c>fc</c>).</summary>
    public Linear Fc => fc;

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = BatchNormCalls.ForwardRelu(bn1, conv1.call(input));
        foreach (var stage in layers)
            x = stage.call(x);
        x = avgpool.call(x).flatten(1);
        return fc.call(x).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// torchvision's BasicBlock: <c>relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))</c>, where the
    /// shortcut is the identity when <see cref="Downsample"/> is null.
    /// </summary>
    public sealed class BasicBlock : Module<Tensor, Tensor>
    {
        private readonly Conv2d conv1;
        private readonly BatchNorm2d bn1;
        private readonly ReLU relu;
        private readonly Conv2d conv2;
        private readonly BatchNorm2d bn2;
        private readonly Module<Tensor, Tensor>? downsample;

        /// <summary>Builds a block; a shortcut is added when the stride or the channel count changes.</summary>
        /// <param name="inChannels">Input channels.</param>
        /// <param name="outChannels">Output channels (planes).</param>
        /// <param name="stride">Stride of the first 3x3 convolution and of the shortcut.</param>
        /// <param name="projectionShortcut">true: option B, Sequential(conv1x1, bn); false: option A, <see cref="PadShortcut"/>.</param>
        public BasicBlock(int inChannels, int outChannels, int stride, bool projectionShortcut) : base(nameof(BasicBlock))
        {
            conv1 = Conv2d(inChannels, outChannels, kernel_size: 3, stride: stride, padding: 1, bias: false);
            bn1 = BatchNorm2d(outChannels);
            relu = ReLU(inplace: true);
            conv2 = Conv2d(outChannels, outChannels, kernel_size: 3, stride: 1, padding: 1, bias: false);
            bn2 = BatchNorm2d(outChannels);
            if (stride != 1 || inChannels != outChannels)
            {
                downsample = projectionShortcut
                    ? Sequential(Conv2d(inChannels, outChannels, kernel_size: 1, stride: stride, bias: false), BatchNorm2d(outChannels))
                    : new PadShortcut(inChannels, outChannels, stride);
            }
            InChannels = inChannels;
            OutChannels = outChannels;
            Stride = stride;
            RegisterComponents();
        }

        /// <summary>Input channels.</summary>
        public int InChannels { get; }

        /// <summary>Output channels.</summary>
        public int OutChannels { get; }

        /// <summary>Stride of <c>conv1</c> and of the shortcut.</summary>
        public int Stride { get; }

        /// <summary>First 3x3 convolution (<c>conv1</c>, carries the stride).</summary>
        public Conv2d Conv1 => conv1;

        /// <summary>BatchNorm after <c>conv1</c>.</summary>
        public BatchNorm2d Bn1 => bn1;

        /// <summary>The ReLU applied after <c>bn1</c> and again after the residual addition.</summary>
        public ReLU Relu => relu;

        /// <summary>Second 3x3 convolution (<c>conv2</c>).</summary>
        public Conv2d Conv2 => conv2;

        /// <summary>BatchNorm after <c>conv2</c>.</summary>
        public BatchNorm2d Bn2 => bn2;

        /// <summary>
        /// null (identity), a <see cref="PadShortcut"/> (option A) or a Sequential(Conv2d 1x1 no bias, BatchNorm2d) (option B).
        /// </summary>
        public Module<Tensor, Tensor>? Downsample => downsample;

        /// <inheritdoc/>
        public override Tensor forward(Tensor input)
        {
            var x = BatchNormCalls.ForwardRelu(bn1, conv1.call(input));
            x = BatchNormCalls.Forward(bn2, conv2.call(x));
            var identity = downsample switch
            {
                null => input,
                Sequential projection => BatchNormCalls.Forward(projection, input),
                _ => downsample.call(input),
            };
            return relu.call(HeldScalars.AddInPlace(x, identity));
        }
    }

    /// <summary>
    /// The parameter-free "option A" shortcut of the CIFAR ResNets: spatial subsampling then zero
    /// channel padding. Exactly two tensor ops, in this order:
    /// <list type="number">
    /// <item><c>x[:, :, ::Stride, ::Stride]</c> — a strided slice of H and W starting at 0
    /// (ONNX: Slice with starts 0, ends INT64_MAX, axes [2,3], steps [Stride,Stride]);
    /// output side = ceil(side / Stride), the same as the 3x3/pad-1 convolution of the residual branch;</item>
    /// <item><c>F.pad(x, (0, 0, 0, 0, PadBefore, PadAfter))</c> — constant-zero padding of the channel
    /// axis only (ONNX: Pad, mode constant, value 0, pads [0, PadBefore, 0, 0, 0, PadAfter, 0, 0]).</item>
    /// </list>
    /// </summary>
    public sealed class PadShortcut : Module<Tensor, Tensor>
    {
        /// <summary>Creates the shortcut from <paramref name="inChannels"/> to <paramref name="outChannels"/> channels.</summary>
        /// <exception cref="ArgumentException">outChannels is smaller than inChannels or stride &lt; 1.</exception>
        public PadShortcut(int inChannels, int outChannels, int stride) : base(nameof(PadShortcut))
        {
            if (outChannels < inChannels)
                throw new ArgumentException($"PadShortcut can only add channels: {inChannels} -> {outChannels}.", nameof(outChannels));
            if (stride < 1)
                throw new ArgumentException($"PadShortcut stride must be >= 1 but was {stride}.", nameof(stride));
            InChannels = inChannels;
            OutChannels = outChannels;
            Stride = stride;
            PadBefore = (outChannels - inChannels) / 2;
            PadAfter = outChannels - inChannels - PadBefore;
            RegisterComponents();
        }

        /// <summary>Input channels.</summary>
        public int InChannels { get; }

        /// <summary>Output channels = InChannels + PadBefore + PadAfter.</summary>
        public int OutChannels { get; }

        /// <summary>Spatial subsampling step (the slice step on H and W).</summary>
        public int Stride { get; }

        /// <summary>Zero channels added before the input channels.</summary>
        public int PadBefore { get; }

        /// <summary>Zero channels added after the input channels.</summary>
        public int PadAfter { get; }

        /// <inheritdoc/>
        public override Tensor forward(Tensor input)
        {
            var x = Stride == 1
                ? input
                : input[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(null, null, Stride), TensorIndex.Slice(null, null, Stride)];
            return PadBefore == 0 && PadAfter == 0
                ? x.alias()
                : functional.pad(x, [0, 0, 0, 0, PadBefore, PadAfter]);
        }
    }
}
