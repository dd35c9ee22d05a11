using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Processing;

namespace EdgeToolkit.EdgeAgent.Tests;

/// <summary>The decode stage's hand-off of a frame to the observers (live page, capture): a reference, not a copy.</summary>
public sealed class InputSlotTests
{
    [Fact]
    public void A_kept_frame_is_lent_to_observers_without_a_copy_and_returned_to_the_pool_when_the_slot_is_cleared()
    {
        using var slot = new InputSlot();
        var frame = Frame.Copy([0xFF, 0xD8, 1, 2, 3], FrameFormat.Rgb24, 1, 1, 7);
        slot.Begin(7, 0, 0);
        slot.KeepFrame(frame);
        Assert.True(slot.FrameBytes.Overlaps(frame.Data), "the observers read the frame's own pooled buffer");
        Assert.Equal(new byte[] { 0xFF, 0xD8, 1, 2, 3 }, slot.FrameBytes.ToArray());
        Assert.Equal((FrameFormat.Rgb24, 1, 1), (slot.FrameFormat, slot.FrameWidth, slot.FrameHeight));

        slot.Clear();
        Assert.True(slot.FrameBytes.IsEmpty);
        Assert.Throws<ObjectDisposedException>(() => frame.Data.Length); // disposed: its buffer is back in the pool

        var next = Frame.Copy([1], FrameFormat.Encoded, 0, 0, 8);
        slot.KeepFrame(next);
        slot.Begin(9, 0, 0); // a slot reused without Complete (a bad frame) still returns the frame it held
        Assert.Throws<ObjectDisposedException>(() => next.Data.Length);
    }
}
