using System.ComponentModel;
using System.Text.Json.Serialization;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.Training.Models;

/// <summary>
/// Test-time augmentation: what a classifier's prediction averages over. Off by default everywhere: the device
/// runs exactly the exported graph, so an accuracy measured with augmentation is only what the device gets when
/// the augmentation is exported with the model (<c>edgekit export --tta flip</c>), at its cost in time.
/// </summary>
[JsonConverter(typeof(KebabCaseEnumConverter<TestTimeAugmentation>))]
[TypeConverter(typeof(KebabCaseEnumTypeConverter<TestTimeAugmentation>))]
public enum TestTimeAugmentation
{
    /// <summary>One forward pass on the image as it is.</summary>
    None,

    /// <summary>
    /// The mean of the logits of the image and of its horizontal mirror: two forward passes per image. Pays when
    /// training flipped images (the default recipe does) and the classes are mirror-symmetric (Fashion-MNIST,
    /// CIFAR-10); not for text or digits.
    /// </summary>
    Flip,
}
