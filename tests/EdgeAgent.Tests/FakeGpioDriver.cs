using System.Device.Gpio;

namespace EdgeToolkit.EdgeAgent.Tests;

/// <summary>A GPIO chip in memory: records every write (no hardware on CI).</summary>
internal sealed class FakeGpioDriver(int pinCount = 28, params int[] inputOnly) : GpioDriver
{
    private readonly Dictionary<int, PinValue> values = [];
    private readonly Dictionary<int, PinMode> modes = [];

    public List<(int Pin, PinValue Value)> Writes { get; } = [];

    public HashSet<int> Open { get; } = [];

    protected override int PinCount => pinCount;

    protected override void OpenPin(int pinNumber)
    {
        lock (Writes) Open.Add(pinNumber);
    }

    protected override void ClosePin(int pinNumber)
    {
        lock (Writes) Open.Remove(pinNumber);
    }

    protected override void SetPinMode(int pinNumber, PinMode mode) => modes[pinNumber] = mode;

    protected override PinMode GetPinMode(int pinNumber) => modes.GetValueOrDefault(pinNumber, PinMode.Input);

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => mode != PinMode.Output || !inputOnly.Contains(pinNumber);

    protected override PinValue Read(int pinNumber) => values.GetValueOrDefault(pinNumber, PinValue.Low);

    protected override void Write(int pinNumber, PinValue value)
    {
        lock (Writes)
        {
            values[pinNumber] = value;
            Writes.Add((pinNumber, value));
        }
    }

    public List<(int Pin, PinValue Value)> Snapshot()
    {
        lock (Writes) return [.. Writes];
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) => throw new NotSupportedException();

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback) => throw new NotSupportedException();

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback) => throw new NotSupportedException();
}
