namespace Ccr.PowerShell.Tests;

/// <summary>
/// Test classes that set <c>$env:CCR_HOME</c> (one variable for the whole test process) run one after the other, so a
/// proxy never starts with another class's home folder and writes its log or state there.
/// </summary>
[CollectionDefinition(Name)]
public sealed class CcrHomeCollection
{
    public const string Name = "CCR_HOME";
}
