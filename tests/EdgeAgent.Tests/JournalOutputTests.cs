using EdgeToolkit.EdgeAgent.Hosting;

namespace EdgeToolkit.EdgeAgent.Tests;

public class JournalOutputTests
{
    [Theory]
    [InlineData("8:12345", "socket:[12345]", true)]
    [InlineData("8:12345", "socket:[54321]", false)] // inherited variable, output redirected elsewhere
    [InlineData("8:12345", "/dev/pts/0", false)]
    [InlineData("", "socket:[12345]", false)]
    [InlineData(null, "socket:[12345]", false)]
    [InlineData("12345", "socket:[12345]", false)]
    [InlineData("8:", "socket:[]", false)]
    public void StandardOutputIsTheJournalOnlyWhenJournalStreamNamesItsSocket(string? journalStream, string? target, bool expected) =>
        Assert.Equal(expected, JournalOutput.Detect(journalStream, target));

    [Fact]
    public void UnderTheTestRunnerOutputIsNotTheJournal() => Assert.False(JournalOutput.IsConnected);
}
