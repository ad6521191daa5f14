using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace Ccr.PowerShell.Tests;

public class ModuleImportTests
{
    [Fact]
    public void Module_ImportsInAFreshRunspace()
    {
        using var ps = System.Management.Automation.PowerShell.Create(RunspaceMode.NewRunspace);
        ps.AddCommand("Import-Module").AddParameter("Name", TestModule.Path).AddParameter("PassThru");
        var result = ps.Invoke();
        Assert.False(ps.HadErrors, string.Join(Environment.NewLine, ps.Streams.Error));
        Assert.Equal("Ccr", ((PSModuleInfo)result[0].BaseObject).Name);
    }
}

internal static class TestModule
{
    /// <summary>out/Ccr, found by walking up from the test binaries to the repository root.</summary>
    public static string Path { get; } = Find();

    private static string Find()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null)
        {
            string candidate = System.IO.Path.Combine(dir, "out", "Ccr", "Ccr.psd1");
            if (File.Exists(candidate))
            {
                return candidate;
            }

            dir = System.IO.Path.GetDirectoryName(dir);
        }

        throw new InvalidOperationException("out/Ccr/Ccr.psd1 not found: run ./build.ps1 first.");
    }
}
