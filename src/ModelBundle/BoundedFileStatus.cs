namespace EdgeToolkit.ModelBundle;

/// <summary>What <see cref="BoundedFile.Classify"/> found at a path.</summary>
public enum BoundedFileStatus
{
    /// <summary>A non-empty regular file within the limit.</summary>
    Ok,

    /// <summary>Nothing there.</summary>
    Missing,

    /// <summary>A folder.</summary>
    Folder,

    /// <summary>Empty, or not a regular file: a FIFO, a device or a <c>/proc</c> file (they report size 0).</summary>
    NotRegular,

    /// <summary>Larger than the limit.</summary>
    TooLarge,

    /// <summary>Its size cannot be read.</summary>
    Unreadable,
}
