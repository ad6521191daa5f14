using Ccr.Core.Server;

namespace Ccr.Core.Tests.Server;

/// <summary>The detached launcher with real child processes.</summary>
public class DetachedLauncherTests
{
    [Fact]
    public async Task AChildThatExitsWithoutServing_FailsAtOnce_WithItsOutput()
    {
        string[] command = OperatingSystem.IsWindows()
            ? new[] { "cmd.exe", "/c", "echo config is broken 1>&2 & exit 3" }
            : new[] { "/bin/sh", "-c", "echo config is broken >&2; exit 3" };
        var launcher = new DetachedLauncher(command, Path.GetTempPath());

        var clock = System.Diagnostics.Stopwatch.StartNew();
        DetachedLaunchResult result = await launcher.LaunchAsync(FreePort(), TimeSpan.FromSeconds(20), CancellationToken.None);

        Assert.Null(result.Health);
        Assert.Contains("config is broken", result.Output, StringComparison.Ordinal);

        // It stops waiting when the child exits, long before the 20 s limit.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());
    }

    [Fact]
    public void TheCommandLine_NamesTheProgramAndEveryArgument()
    {
        var launcher = new DetachedLauncher(new[] { "pwsh", "-NoProfile", "-Command", "Start-CcrProxy -DetachedChild" }, Path.GetTempPath());

        Assert.EndsWith("pwsh -NoProfile -Command Start-CcrProxy -DetachedChild", launcher.CommandLine, StringComparison.Ordinal);
        Assert.True(launcher.StartInfo.RedirectStandardError);
        Assert.False(launcher.StartInfo.UseShellExecute);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
