namespace EdgeToolkit.Training.Models;

/// <summary>The family of an architecture name (<see cref="ModelFactory.Family"/>): what the settings that apply to one family only are checked against.</summary>
public enum ArchitectureFamily
{
    /// <summary>CIFAR ResNets and ResNet-18 (<c>resnet20</c> ... <c>resnet110</c>, <c>resnet18</c>).</summary>
    ResNet,

    /// <summary>DenseNet-BC (<c>densenet-bc-100</c>, <c>densenet-bc-40</c>): the growth rate applies.</summary>
    DenseNet,

    /// <summary>MobileNet v1 (<c>mobilenet_v1</c>): the width multiplier and channel plans apply.</summary>
    MobileNet,
}
