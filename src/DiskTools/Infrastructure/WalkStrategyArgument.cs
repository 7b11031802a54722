using DiskTools.Engine.Traversal;

namespace DiskTools.Infrastructure;

/// <summary>Binds -Strategy given by the former names Optimized and Legacy as well as by Parallel and Sequential.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class WalkStrategyArgumentAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        return value is string name && WalkStrategyNames.TryParse(name, out WalkStrategy strategy) ? strategy : inputData;
    }
}
