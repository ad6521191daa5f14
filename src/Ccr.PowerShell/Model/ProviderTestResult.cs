namespace Ccr.PowerShell;

/// <summary>How one check of Test-CcrProvider ended.</summary>
public enum ProviderTestStatus
{
    /// <summary>The check passed.</summary>
    Ok,

    /// <summary>It works, but something deserves attention.</summary>
    Warning,

    /// <summary>The provider will not work until the message's fix is applied.</summary>
    Failed,

    /// <summary>Not run (offline, or an earlier check failed).</summary>
    Skipped,
}

/// <summary>One check of one provider, as Test-CcrProvider writes it; failures are results, not exceptions.</summary>
public sealed class ProviderTestResult
{
    /// <summary>The provider's name.</summary>
    public string Provider { get; init; } = "";

    /// <summary>Config, KeyVariable, KeyFormat, Endpoint, Models, Reachable, Auth or Quota.</summary>
    public string Check { get; init; } = "";

    /// <summary>How the check ended.</summary>
    public ProviderTestStatus Status { get; init; }

    /// <summary>What was found and, when it failed, what to do.</summary>
    public string Message { get; init; } = "";

    /// <summary>Round-trip time of the online request, or null for offline checks.</summary>
    public double? LatencyMs { get; init; }

    /// <summary>The URL requests go to.</summary>
    public string? Endpoint { get; init; }

    /// <summary>The model the online request used.</summary>
    public string? Model { get; init; }

    /// <summary>The config file tested.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>"Provider Check: Status".</summary>
    public override string ToString() => Provider + " " + Check + ": " + Status;
}
