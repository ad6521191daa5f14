namespace Ccr.Core.Usage;

/// <summary>How usage rows are cut (the <c>by</c> query and Get-CcrUsage's <c>-By</c>).</summary>
internal enum UsageGrouping
{
    /// <summary>One row per provider, model and tier_name over the whole span (the default).</summary>
    ProviderModel,

    /// <summary>One row per provider/model per hour.</summary>
    Hour,

    /// <summary>One row per provider/model per UTC day.</summary>
    Day,

    /// <summary>One row per provider.</summary>
    Provider,

    /// <summary>One row per model, whichever provider served it.</summary>
    Model,
}
