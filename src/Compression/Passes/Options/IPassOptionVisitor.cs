namespace EdgeToolkit.Compression.Passes.Options;

/// <summary>One method per kind of declared setting (<see cref="PassOption.Accept"/>): how a front end such as the command line handles each.</summary>
/// <typeparam name="TResult">What the visitor makes of a setting.</typeparam>
public interface IPassOptionVisitor<out TResult>
{
    /// <summary>An integer setting.</summary>
    TResult Visit(IntPassOption option);

    /// <summary>A number setting.</summary>
    TResult Visit(DoublePassOption option);

    /// <summary>A number setting that is off when not given.</summary>
    TResult Visit(OptionalDoublePassOption option);

    /// <summary>A switch.</summary>
    TResult Visit(BoolPassOption option);

    /// <summary>A list of names.</summary>
    TResult Visit(StringListPassOption option);

    /// <summary>A list of integers.</summary>
    TResult Visit(IntListPassOption option);

    /// <summary>A duration that is off when not given.</summary>
    TResult Visit(DurationPassOption option);

    /// <summary>An enum value in kebab case.</summary>
    TResult Visit<TEnum>(EnumPassOption<TEnum> option) where TEnum : struct, Enum;
}
