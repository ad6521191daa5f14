using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Net;
using System.Net.Sockets;

namespace Ccr.PowerShell.Tests;

/// <summary>
/// A real runspace with the built module imported and <c>$env:CCR_HOME</c> in a temp folder of its own, so proxies the
/// tests start write their logs and state there. A class that uses it belongs to <see cref="CcrHomeCollection"/>:
/// the variable is one for the whole test process.
/// </summary>
internal sealed class ModuleSession : IDisposable
{
    public ModuleSession(string folderPrefix)
    {
        Folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), folderPrefix + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Folder);
        Ps = System.Management.Automation.PowerShell.Create(RunspaceMode.NewRunspace);
        Ps.AddCommand("Import-Module").AddParameter("Name", TestModule.Path).Invoke();
        AssertNoErrors();
        Set("ccrHome", Folder);
        Run("$env:CCR_HOME = $ccrHome");
    }

    /// <summary>The session's temp folder (its CCR_HOME), deleted on dispose.</summary>
    public string Folder { get; }

    /// <summary>The runspace's pipeline, for its streams and <c>HadErrors</c>.</summary>
    public System.Management.Automation.PowerShell Ps { get; }

    /// <summary>What stops the proxies a test started; runs first on dispose.</summary>
    public string StopCommand { get; init; } = "Stop-CcrProxy -Confirm:$false -ErrorAction SilentlyContinue";

    /// <summary>Runs a script in the runspace with fresh streams and returns its output.</summary>
    public Collection<PSObject> Run(string script)
    {
        Ps.Commands.Clear();
        Ps.Streams.ClearStreams();
        Ps.AddScript(script);
        return Ps.Invoke();
    }

    /// <summary>Sets a variable the next scripts can read.</summary>
    public void Set(string name, object? value) => Ps.Runspace.SessionStateProxy.SetVariable(name, value);

    /// <summary>Fails with the error records when the last run wrote any.</summary>
    public void AssertNoErrors() => Assert.False(Ps.HadErrors, string.Join(Environment.NewLine, Ps.Streams.Error));

    /// <summary>A loopback port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        Run(StopCommand + "; $env:CCR_HOME = $null");
        Ps.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
