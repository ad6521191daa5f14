namespace Ccr.Core.Providers;

/// <summary>What a family says about a key on a host: it fits, it probably belongs elsewhere, or it cannot work there.</summary>
/// <param name="Verdict">How bad it is.</param>
/// <param name="Code">A stable diagnostic code (e.g. <c>CodingPlanKeyMismatch</c>), or null when the key fits.</param>
/// <param name="Message">What is wrong and what to do, with the key shown only as its hint.</param>
internal sealed record ProviderKeyCheck(ProviderKeyVerdict Verdict, string? Code, string Message);
