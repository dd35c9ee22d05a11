using EdgeToolkit.Training.Training;

namespace EdgeToolkit.Training.Tests.Trainer;

// Same collection as the trainer tests, which also hold the process-wide retention.
[Collection(TorchGlobalStateCollection.Name)]
public sealed class NativeHeapRetentionTests
{
    [Fact]
    public void Is_reference_counted_and_released_by_the_last_holder()
    {
        Assert.False(NativeHeapRetention.IsActive);
        var outer = new NativeHeapRetention();
        var inner = new NativeHeapRetention();
        // glibc (this project's Linux hosts) accepts the settings; elsewhere the class is a no-op.
        Assert.Equal(OperatingSystem.IsLinux(), NativeHeapRetention.IsActive);

        inner.Dispose();
        inner.Dispose(); // a second dispose must not release the outer holder's retention
        Assert.Equal(OperatingSystem.IsLinux(), NativeHeapRetention.IsActive);

        outer.Dispose();
        Assert.False(NativeHeapRetention.IsActive);
    }
}
