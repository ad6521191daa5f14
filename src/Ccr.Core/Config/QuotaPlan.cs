namespace Ccr.Core.Config;

/// <summary>A subscription plan whose request limits Ccr knows (<c>"quota": {"plan": "lite"}</c>).</summary>
public enum QuotaPlan
{
    /// <summary>The smaller plan (<c>lite</c>).</summary>
    Lite,

    /// <summary>The larger plan (<c>pro</c>).</summary>
    Pro,
}
