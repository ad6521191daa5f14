namespace Ccr.PowerShell;

/// <summary>How Get-CcrUsage cuts its rows (<c>-By</c>); without it, one row per provider and model.</summary>
public enum UsageGroupBy
{
    /// <summary>One row per provider and model per hour.</summary>
    Hour,

    /// <summary>One row per provider and model per UTC day.</summary>
    Day,

    /// <summary>One row per provider.</summary>
    Provider,

    /// <summary>One row per model, whichever provider served it.</summary>
    Model,
}
