using EdgeToolkit.Compression.Export;
using EdgeToolkit.Compression.Quantization;
using EdgeToolkit.ModelBundle.Runtime;
using EdgeToolkit.Preprocessing;
using EdgeToolkit.Training.Models;
using Google.Protobuf;
using Onnx;
using TorchSharp;

namespace EdgeToolkit.Compression.Pruning.Latency;

/// <summary>
/// Predicts the batch-1 latency of MobileNet v1 channel plans from a per-block table measured on the target
/// (NetAdapt's look-up table): <c>overhead + sum over blocks (block - overhead)</c>, where <c>overhead</c> is the
/// cost of running any model once, so it is counted once and not once per block. Blocks missing from the
/// table are written as small ONNX models and measured by the runner in <see cref="TableRounds"/> passes (each keeps
/// its fastest), then cached. With <see cref="Int8"/> options every model (block or whole network) is quantized before it
/// is timed, as <c>edgekit quantize</c> would quantize the trained network for that target: the table then predicts the
/// int8 model, whose layers do not cost what their fp32 forms cost (docs/pruning.md, "An int8 latency table"); each
/// quantized block model also has float ends (quantize, layout transposes, dequantize, a float ReLU) which the whole int8
/// network does not run between its layers, so an int8 prediction subtracts the ends of every tensor between blocks,
/// measured as the difference of its <see cref="LayerBlockKind.Boundary"/> models.
/// </summary>
public sealed class MobileNetLatencyModel
{
    private readonly ILatencyRunner _runner;
    private readonly string _cacheFolder;
    private readonly string _workFolder;

    /// <summary>Creates the model over the cached table of the runner's fingerprint in <paramref name="cacheFolder"/>.</summary>
    /// <param name="runner">Measures models on the target.</param>
    /// <param name="cacheFolder">Folder of the cached tables (created when a table is saved).</param>
    /// <param name="inputChannels">Image channels.</param>
    /// <param name="inputSize">Input side in pixels.</param>
    /// <param name="numClasses">Classes of the classifier.</param>
    /// <param name="tableRounds">Passes over the missing blocks; each block keeps its fastest pass (<see cref="DefaultTableRounds"/>).</param>
    /// <param name="int8">Null: the models are timed in fp32. Otherwise the quantizer settings every model is quantized
    /// with before it is timed (random calibration images: the kernels, not the ranges, decide the time); their
    /// <see cref="QuantizationOptions.Target"/> must name the runner's CPU family when the runner is not this host.</param>
    /// <exception cref="InvalidDataException">A cache file for this fingerprint exists but is not a valid table.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tableRounds"/> is below 1.</exception>
    public MobileNetLatencyModel(ILatencyRunner runner, string cacheFolder, int inputChannels, int inputSize, int numClasses, int tableRounds = DefaultTableRounds,
        QuantizationOptions? int8 = null)
    {
        _runner = runner ?? throw new ArgumentNullException(nameof(runner));
        ArgumentOutOfRangeException.ThrowIfLessThan(tableRounds, 1);
        TableRounds = tableRounds;
        _cacheFolder = Path.GetFullPath(cacheFolder ?? throw new ArgumentNullException(nameof(cacheFolder)));
        InputChannels = inputChannels;
        InputSize = inputSize;
        NumClasses = numClasses;
        // Only what decides the quantized graph's structure (target, activation type, float layers, padding) is kept: the
        // ranges, the per-layer SQNR measurement, bias correction and the accuracy fallback change no kernel's time, and
        // the measurement alone ran one more ONNX Runtime session for each of the hundreds of blocks a search times.
        Int8 = int8 is null ? null
            : (int8 with { CalibrationCount = CalibrationImages, Method = CalibrationMethod.MinMax, SqnrSamples = 0, CorrectBias = false, MaxAccuracyDrop = null }).Validate();
        Table = LatencyTable.Load(_cacheFolder, runner.Fingerprint with { Precision = PrecisionOf(Int8) });
        _workFolder = Path.Combine(Path.GetTempPath(), "edgekit-latency-" + Guid.NewGuid().ToString("N")[..12]);
    }

    /// <summary>
    /// Passes over the missing blocks when the table is measured: every block is timed once per pass (the order reversed
    /// every other pass) and keeps its fastest pass. One pass times each block once, within a fraction of a second, so a
    /// block measured while the machine is in a slow state keeps that figure for good (the 2-core x86 VM of docs/pruning.md
    /// switches between two speeds 1.7x apart, a state lasting from a fraction of a second to seconds, about a third of the
    /// time slow): the search then sees that layer as dearer than its neighbours and narrows it. With three passes a block
    /// stays slow only when all three caught the slow state (about 1 in 30 there, against 1 in 3). The fastest rather than
    /// the median pass: the slow state only ever adds time, and the table is then scaled to the whole networks measured
    /// beside their reference anyway (the prune pass's correction).
    /// </summary>
    public int TableRounds { get; }

    /// <summary>Passes over the blocks by default: 3 (see <see cref="TableRounds"/>).</summary>
    public const int DefaultTableRounds = 3;

    /// <summary>The quantizer settings of an int8 table (null: fp32).</summary>
    public QuantizationOptions? Int8 { get; }

    /// <summary>Random calibration images of each quantized model (8: a handful sets every range; the time does not depend on them).</summary>
    public const int CalibrationImages = 8;

    /// <summary>
    /// The fingerprint's precision: <c>fp32</c>, or <c>int8</c> with the resolved target and activation type (the table of
    /// uint8 activations on an x86 VNNI machine is not the table of int8 activations on an ARM64 board with dot products).
    /// </summary>
    public static string PrecisionOf(QuantizationOptions? int8)
    {
        if (int8 is null) return "fp32";
        var choice = ActivationTypeChoice.For(int8.Target, int8.ActivationType);
        return $"int8 {KebabCase.Name(choice.Target)} {ActivationTypeChoice.Name(choice.ActivationType)} activations";
    }

    /// <summary>Image channels of the modelled network.</summary>
    public int InputChannels { get; }

    /// <summary>Input side of the modelled network.</summary>
    public int InputSize { get; }

    /// <summary>Classes of the modelled network.</summary>
    public int NumClasses { get; }

    /// <summary>The table (cached entries plus those measured by this instance).</summary>
    public LatencyTable Table { get; }

    /// <summary>Blocks this instance measured (0 when every block came from the cache).</summary>
    public int BlocksMeasured { get; private set; }

    /// <summary>Cache file of the table.</summary>
    public string CachePath => LatencyTable.PathFor(_cacheFolder, Table.Fingerprint);

    /// <summary>Predicted latency of the plan in milliseconds (measures and caches the blocks it lacks).</summary>
    public double Predict(IReadOnlyList<int> channelPlan, CancellationToken cancellationToken = default) =>
        Predict([channelPlan], cancellationToken)[0];

    /// <summary>
    /// Predicted latencies of several plans in milliseconds. The blocks they lack are measured together, in the same
    /// passes: plans compared with each other (a search's source and its narrowest plan) then see the same states of the
    /// machine. Measured one plan after the other, a load that starts between them (another process, on a 2-core CI
    /// machine running test assemblies side by side) made the narrowest plan of alpha 0.25 at 32x32 predicted slower
    /// (0.095 ms) than the source (0.083 ms) it is cut from.
    /// </summary>
    public IReadOnlyList<double> Predict(IReadOnlyList<IReadOnlyList<int>> channelPlans, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channelPlans);
        var blocks = channelPlans.Select(p => LayerBlock.Of(p, InputChannels, InputSize, NumClasses)).ToList();
        var boundaries = blocks.Select(Boundaries).ToList();
        Ensure([LayerBlock.Overhead, .. blocks.SelectMany(b => b), .. boundaries.SelectMany(b => b).SelectMany(b => new[] { b, b.TwoLayers })], cancellationToken);
        return blocks.Select((b, i) => Sum(b, boundaries[i])).ToList();
    }

    /// <summary>
    /// The boundaries an int8 prediction subtracts: none in fp32; with the stem kept float (<see cref="FloatLayers.FirstConv"/>)
    /// not the stem's output, since the stem's block model is then all float and only the next block quantizes that
    /// tensor, once, as the whole network does.
    /// </summary>
    private IReadOnlyList<LayerBlock> Boundaries(IReadOnlyList<LayerBlock> blocks) =>
        Int8 is null ? []
        : FloatLayerNames.Resolve(Int8.FloatLayers).HasFlag(FloatLayers.FirstConv) ? LayerBlock.BoundariesOf(blocks).Skip(1).ToList()
        : LayerBlock.BoundariesOf(blocks);

    private double Sum(IReadOnlyList<LayerBlock> blocks, IReadOnlyList<LayerBlock> boundaries)
    {
        Table.TryGet(LayerBlock.Overhead, out double overhead);
        double total = overhead;
        foreach (var block in blocks)
        {
            Table.TryGet(block, out double t);
            total += Math.Max(0, t - overhead);
        }
        // Why subtract them: timed alone, a quantized block takes float in and gives float out. ONNX Runtime then runs a
        // QuantizeLinear and a layout Transpose (its int8 convolutions run channels-last) on the input, and a Transpose, a
        // DequantizeLinear and a float ReLU (the last ReLU is not fused when its output leaves the model) on the output:
        // ends the whole network, which passes uint8 codes channels-last from one layer to the next, never runs. A model
        // of the tensor through one identity layer has those ends and that layer; through two, the same ends and two
        // layers: the ends cost 2 x one - two. Measured on the Zen 5 at 32x32 (docs/pruning.md, "Block boundaries in an
        // int8 table").
        foreach (var boundary in boundaries)
        {
            Table.TryGet(boundary, out double one);
            Table.TryGet(boundary.TwoLayers, out double two);
            total -= Math.Max(0, 2 * one - two - overhead);
        }
        return total;
    }

    /// <summary>
    /// Measures the whole network of <paramref name="channelPlan"/> (random weights, exported as the exporter
    /// exports a trained one): the check that a plan chosen from the table meets its budget.
    /// </summary>
    /// <param name="channelPlan">The plan.</param>
    /// <param name="runner">The runner to measure with (null = the table's); one with more runs gives a steadier figure,
    /// and it must measure the same machine.</param>
    /// <param name="cancellationToken">Stops the measurement.</param>
    /// <exception cref="ArgumentException">The runner measures another machine than the table.</exception>
    public double MeasureWhole(IReadOnlyList<int> channelPlan, ILatencyRunner? runner = null, CancellationToken cancellationToken = default)
    {
        runner = SameMachine(runner);
        try
        {
            return runner.Measure([WriteWhole(channelPlan, WholeFile)], cancellationToken)[0];
        }
        finally
        {
            if (Directory.Exists(_workFolder)) Directory.Delete(_workFolder, recursive: true);
        }
    }

    /// <summary>
    /// Measures the whole network of <paramref name="channelPlan"/> against the whole network of <paramref name="reference"/>
    /// in alternation, <paramref name="rounds"/> rounds with the order swapped every round (reference first, then the plan
    /// first). On a machine whose speed drifts between measurements (a VM's hypervisor steal, a board that throttles) two
    /// figures taken minutes apart can differ by 20 % (measured on a 2-core VM, docs/pruning.md); the two networks of one
    /// round see the same machine, and swapping the order cancels a drift that is steady within the round.
    /// </summary>
    /// <param name="channelPlan">The plan.</param>
    /// <param name="reference">The network the plan is compared with (for a budget "as fast as uniform alpha A", its plan).</param>
    /// <param name="rounds">Rounds of the alternation (at least 2, so that both orders occur).</param>
    /// <param name="runner">The runner to measure with (null = the table's); it must measure the same machine.</param>
    /// <param name="cancellationToken">Stops the measurement.</param>
    /// <exception cref="ArgumentException">Fewer than 2 rounds, or a runner of another machine.</exception>
    public PairedLatency MeasurePaired(IReadOnlyList<int> channelPlan, IReadOnlyList<int> reference, int rounds, ILatencyRunner? runner = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 2);
        runner = SameMachine(runner);
        try
        {
            string plan = WriteWhole(channelPlan, WholeFile), other = WriteWhole(reference, ReferenceFile);
            var planMs = new double[rounds];
            var referenceMs = new double[rounds];
            for (int r = 0; r < rounds; r++)
            {
                bool referenceFirst = r % 2 == 0;
                var times = runner.Measure(referenceFirst ? [other, plan] : [plan, other], cancellationToken);
                (referenceMs[r], planMs[r]) = referenceFirst ? (times[0], times[1]) : (times[1], times[0]);
            }
            return new PairedLatency(planMs, referenceMs);
        }
        finally
        {
            if (Directory.Exists(_workFolder)) Directory.Delete(_workFolder, recursive: true);
        }
    }

    /// <summary>File name of the measured whole network (a runner sees it; tests tell it from the blocks by it).</summary>
    public const string WholeFile = "whole.onnx";

    /// <summary>File name of the reference network of <see cref="MeasurePaired"/>.</summary>
    public const string ReferenceFile = "whole-reference.onnx";

    private ILatencyRunner SameMachine(ILatencyRunner? runner)
    {
        runner ??= _runner;
        if (runner.Fingerprint with { Precision = Table.Fingerprint.Precision } != Table.Fingerprint)
            throw new ArgumentException($"the whole network must be measured on the table's machine ({Table.Fingerprint}) but the runner measures {runner.Fingerprint}.", nameof(runner));
        return runner;
    }

    /// <summary>Writes the whole network of the plan (random weights, exported as the exporter exports a trained one) into the work folder.</summary>
    private string WriteWhole(IReadOnlyList<int> channelPlan, string fileName)
    {
        var plan = MobileNetV1.ValidatePlan(channelPlan);
        Directory.CreateDirectory(_workFolder);
        string path = Path.Combine(_workFolder, fileName);
        using (torch.NewDisposeScope())
        {
            using var net = new MobileNetV1(NumClasses, plan, InputChannels, InputSize);
            net.eval();
            var spec = new ModelSpec("mobilenet_v1", NumClasses, InputChannels, InputSize, MobileNetV1.NominalAlpha(plan)) { ChannelPlan = plan };
            Save(new OnnxExporter().Export(net, spec), path, InputChannels, InputSize);
        }
        return path;
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/>, quantized first when the table is int8.</summary>
    private void Save(ModelProto model, string path, int channels, int side)
    {
        if (Int8 is not null)
        {
            var random = new Random(1234);
            var calibration = Enumerable.Range(0, CalibrationImages).Select(_ =>
            {
                var data = new float[channels * side * side];
                for (int i = 0; i < data.Length; i++) data[i] = (float)random.NextDouble();
                return new CalibrationBatch(data, [1, channels, side, side]);
            }).ToList();
            model = new QdqQuantizer(Int8).Quantize(model, calibration).Model;
        }
        File.WriteAllBytes(path, model.ToByteArray());
    }

    private void Ensure(IReadOnlyList<LayerBlock> blocks, CancellationToken cancellationToken)
    {
        var missing = blocks.Where(b => !Table.TryGet(b, out _)).DistinctBy(b => b.Key).ToList();
        if (missing.Count == 0) return;
        Directory.CreateDirectory(_workFolder);
        try
        {
            var paths = new List<string>(missing.Count);
            for (int i = 0; i < missing.Count; i++)
            {
                string path = Path.Combine(_workFolder, $"block{i}.onnx");
                Save(LayerBlockModel.Build(missing[i]), path, missing[i].InChannels, missing[i].InputSide);
                paths.Add(path);
            }
            var fastest = Enumerable.Repeat(double.PositiveInfinity, missing.Count).ToArray();
            for (int round = 0; round < TableRounds; round++)
            {
                // Reversed every other pass: a block late in one pass is early in the next, so a slow spell that
                // recurs at the same point of every pass (a periodic job, a thermal cycle) does not always meet it.
                bool reversed = round % 2 == 1;
                var times = _runner.Measure(reversed ? [.. Enumerable.Reverse(paths)] : paths, cancellationToken);
                if (times.Count != missing.Count)
                    throw new InvalidOperationException($"the latency runner returned {times.Count} times for {missing.Count} models.");
                for (int i = 0; i < missing.Count; i++)
                    fastest[i] = Math.Min(fastest[i], times[reversed ? missing.Count - 1 - i : i]);
            }
            for (int i = 0; i < missing.Count; i++) Table.Set(missing[i], fastest[i]);
            BlocksMeasured += missing.Count;
            Table.Save(_cacheFolder);
        }
        finally
        {
            if (Directory.Exists(_workFolder)) Directory.Delete(_workFolder, recursive: true);
        }
    }
}
