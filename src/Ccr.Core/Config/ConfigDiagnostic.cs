namespace Ccr.Core.Config;

/// <summary>A finding about a config file, located precisely enough to fix it.</summary>
/// <param name="Severity">Warning or error.</param>
/// <param name="Code">A stable identifier (e.g. <c>UnknownProvider</c>).</param>
/// <param name="Message">What is wrong and how to fix it.</param>
/// <param name="FilePath">The config file, or null.</param>
/// <param name="Line">1-based line, or 0 when unknown.</param>
/// <param name="Column">1-based column, or 0 when unknown.</param>
/// <param name="JsonPath">The JSON path of the offending value (e.g. <c>$.Router.tiers[1]</c>).</param>
public sealed record ConfigDiagnostic(
    DiagnosticSeverity Severity,
    string Code,
    string Message,
    string? FilePath,
    int Line,
    int Column,
    string JsonPath)
{
    /// <summary>The provider the finding is about (its <c>name</c>), or null when it is about no provider in particular.</summary>
    public string? Provider { get; init; }

    /// <summary>
    /// <c>file:line:column: JsonPath: message</c>, the form editors jump to; a finding about the whole file
    /// (<c>$</c>, no line) is <c>file: message</c>, since a bare <c>$</c> tells a reader nothing.
    /// </summary>
    public override string ToString()
    {
        string where = FilePath is null ? "" : FilePath + (Line > 0 ? ":" + Line.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + Column.ToString(System.Globalization.CultureInfo.InvariantCulture) : "") + ": ";
        bool wholeFile = Line == 0 && JsonPath == "$";
        return wholeFile ? where + Message : where + JsonPath + ": " + Message;
    }
}
