using System.Collections.Immutable;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace EdgeToolkit.Tests.Shared;

/// <summary>
/// Finds, in an assembly's IL, the calls that hand libtorch a <c>TorchSharp.Scalar</c> nothing holds: an implicit
/// conversion of a number (<c>Scalar.op_Implicit</c>), a <c>ToScalar()</c> whose result is not stored, or a call to a
/// TorchSharp method that makes such a temporary itself (directly or through TorchSharp's own calls: <c>t * 0.5</c>,
/// <c>a + b</c>, <c>t.add(u)</c>, <c>fill_(x)</c>, <c>BatchNorm.forward</c>, the optimisers' steps). A garbage collection
/// on another thread can finalize such a Scalar while libtorch reads it (docs/training.md, "Scalars held across libtorch
/// calls"). Calls made through a virtual dispatch (a TorchSharp module run by <c>Module.call</c>) are not followed.
/// </summary>
internal static class ScalarTemporaryScan
{
    private static readonly Lazy<ImmutableHashSet<string>> Makers = new(() => TorchSharpMakers(typeof(TorchSharp.Scalar).Assembly.Location));

    /// <summary>The offending call sites of <paramref name="assemblyPath"/>, as "Type::Method(..) -> callee".</summary>
    /// <param name="assemblyPath">The assembly to read.</param>
    /// <param name="methodFilter">Only methods whose "Type::Name" passes (null = all).</param>
    public static IReadOnlyList<string> Find(string assemblyPath, Func<string, bool>? methodFilter = null)
    {
        var makers = Makers.Value;
        var found = new List<string>();
        foreach (var method in Methods(assemblyPath))
        {
            if (methodFilter is not null && !methodFilter(method.Name)) continue;
            foreach (var call in method.Calls)
            {
                bool temporary = IsImplicitConversion(call.Callee) || (IsToScalar(call.Callee) && !call.ResultStored) || makers.Contains(call.Callee);
                if (temporary) found.Add($"{method.Name}{method.Signature} -> {call.Callee}");
            }
        }
        return found.Distinct().ToList();
    }

    /// <summary>How many TorchSharp methods make a temporary Scalar (a sanity figure for the test's output).</summary>
    public static int TorchSharpMakerCount => Makers.Value.Count;

    private static bool IsImplicitConversion(string callee) => callee.StartsWith("TorchSharp.Scalar::op_Implicit(", StringComparison.Ordinal);

    private static bool IsToScalar(string callee) => callee.StartsWith("TorchSharp.ScalarExtensionMethods::ToScalar(", StringComparison.Ordinal);

    /// <summary>TorchSharp's methods that make a Scalar and hand it on without holding it: those that convert or call
    /// <c>ToScalar</c> themselves, then everything in TorchSharp that calls one of them, to a fixed point.</summary>
    private static ImmutableHashSet<string> TorchSharpMakers(string torchSharpPath)
    {
        var methods = Methods(torchSharpPath).ToList();
        var makers = methods.Where(m => m.Calls.Any(c => IsImplicitConversion(c.Callee) || IsToScalar(c.Callee))).Select(m => m.Key).ToHashSet();
        for (bool grew = true; grew;)
        {
            grew = false;
            foreach (var m in methods)
                if (!makers.Contains(m.Key) && m.Calls.Any(c => makers.Contains(c.Callee))) grew = makers.Add(m.Key) || grew;
        }
        return makers.ToImmutableHashSet();
    }

    private sealed record Call(string Callee, bool ResultStored);

    private sealed record Method(string Name, string Signature, IReadOnlyList<Call> Calls)
    {
        public string Key => Name + Signature;
    }

    private static readonly Dictionary<ushort, OperandType> Operands = typeof(OpCodes).GetFields()
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => (ushort)o.Value, o => o.OperandType);

    private static IEnumerable<Method> Methods(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var md = pe.GetMetadataReader();
        var names = new TypeNames(md);
        var result = new List<Method>();
        foreach (var typeHandle in md.TypeDefinitions)
        {
            string type = names.Of(typeHandle);
            foreach (var handle in md.GetTypeDefinition(typeHandle).GetMethods())
            {
                var definition = md.GetMethodDefinition(handle);
                var calls = new List<Call>();
                if (definition.RelativeVirtualAddress != 0)
                {
                    var il = pe.GetMethodBody(definition.RelativeVirtualAddress).GetILReader();
                    while (il.RemainingBytes > 0)
                    {
                        ushort op = il.ReadByte();
                        if (op == 0xFE) op = (ushort)(0xFE00 | il.ReadByte());
                        if (op is 0x28 or 0x6F or 0x73) // call, callvirt, newobj
                        {
                            string? callee = names.Callee(MetadataTokens.EntityHandle(il.ReadInt32()));
                            if (callee is not null) calls.Add(new Call(callee, il.RemainingBytes > 0 && StoresResult(il.PeekByte())));
                            continue;
                        }
                        switch (Operands[op])
                        {
                            case OperandType.InlineNone: break;
                            case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: il.Offset += 1; break;
                            case OperandType.InlineVar: il.Offset += 2; break;
                            case OperandType.InlineI8 or OperandType.InlineR: il.Offset += 8; break;
                            case OperandType.InlineSwitch: int targets = il.ReadInt32(); il.Offset += 4 * targets; break;
                            default: il.Offset += 4; break;
                        }
                    }
                }
                result.Add(new Method($"{type}::{md.GetString(definition.Name)}", names.Signature(definition.Signature), calls));
            }
        }
        return result;
    }

    /// <summary>stloc.0-3, stloc.s, stsfld, stfld: the Scalar goes into a local (a <c>using</c>) or a field.</summary>
    private static bool StoresResult(byte next) => next is >= 0x0A and <= 0x0D or 0x13 or 0x80 or 0x7D;

    /// <summary>The next byte, left unread: <see cref="BlobReader"/> is a struct, so this reads a copy.</summary>
    private static byte PeekByte(this BlobReader reader) => reader.ReadByte();

    private sealed class TypeNames(MetadataReader md) : ISignatureTypeProvider<string, object?>
    {
        public string Of(TypeDefinitionHandle handle)
        {
            var t = md.GetTypeDefinition(handle);
            var outer = t.GetDeclaringType();
            string ns = md.GetString(t.Namespace);
            return (outer.IsNil ? ns.Length > 0 ? ns + "." : "" : Of(outer) + "/") + md.GetString(t.Name);
        }

        private string Of(TypeReferenceHandle handle)
        {
            var t = md.GetTypeReference(handle);
            if (t.ResolutionScope.Kind == HandleKind.TypeReference) return Of((TypeReferenceHandle)t.ResolutionScope) + "/" + md.GetString(t.Name);
            string ns = md.GetString(t.Namespace);
            return (ns.Length > 0 ? ns + "." : "") + md.GetString(t.Name);
        }

        public string? Callee(EntityHandle handle)
        {
            switch (handle.Kind)
            {
                case HandleKind.MethodDefinition:
                    var definition = md.GetMethodDefinition((MethodDefinitionHandle)handle);
                    return $"{Of(definition.GetDeclaringType())}::{md.GetString(definition.Name)}{Signature(definition.Signature)}";
                case HandleKind.MemberReference:
                    var reference = md.GetMemberReference((MemberReferenceHandle)handle);
                    string parent = reference.Parent.Kind switch
                    {
                        HandleKind.TypeReference => Of((TypeReferenceHandle)reference.Parent),
                        HandleKind.TypeDefinition => Of((TypeDefinitionHandle)reference.Parent),
                        _ => "generic",
                    };
                    return $"{parent}::{md.GetString(reference.Name)}{Signature(reference.Signature)}";
                case HandleKind.MethodSpecification:
                    return Callee(md.GetMethodSpecification((MethodSpecificationHandle)handle).Method);
                default:
                    return null;
            }
        }

        public string Signature(BlobHandle blob)
        {
            var reader = md.GetBlobReader(blob);
            if (reader.ReadSignatureHeader().Kind != SignatureKind.Method) return "";
            reader.Reset();
            var signature = new SignatureDecoder<string, object?>(this, md, null).DecodeMethodSignature(ref reader);
            return "(" + string.Join(",", signature.ParameterTypes) + ")";
        }

        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[,]";
        public string GetByReferenceType(string elementType) => elementType + "&";
        public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";
        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => $"{genericType}<{string.Join(",", typeArguments)}>";
        public string GetGenericMethodParameter(object? genericContext, int index) => "!!" + index;
        public string GetGenericTypeParameter(object? genericContext, int index) => "!" + index;
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
        public string GetPinnedType(string elementType) => elementType;
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => Of(handle);
        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => Of(handle);
        public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) => "spec";
    }
}
