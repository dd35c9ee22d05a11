using EdgeToolkit.Training.Training;

namespace EdgeToolkit.Training.Tests.Trainer;

public sealed class DurationTextTests
{
    [Theory]
    [InlineData("30m", 1800)]
    [InlineData("90s", 90)]
    [InlineData("1h", 3600)]
    [InlineData("1h30m", 5400)]
    [InlineData("2.5m", 150)]
    [InlineData(" 45S ", 45)]
    [InlineData("00:30:00", 1800)]
    [InlineData("1:02:03", 3723)]
    public void Parses_the_forms_people_write(string text, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), DurationText.Parse(text, "--time-budget"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("30")]
    [InlineData("0m")]
    [InlineData("-5m")]
    [InlineData("m")]
    [InlineData("30 minutes")]
    [InlineData("00:00:00")]
    public void Rejects_what_is_not_a_positive_duration_naming_the_setting(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => DurationText.Parse(text, "--time-budget"));
        Assert.Equal($"--time-budget must be a positive duration such as 30m, 90s, 1h30m or 00:30:00 but was '{text}'.", e.Message);
    }
}
