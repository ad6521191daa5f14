using Ccr.Core.Server;

namespace Ccr.Core.Tests.Server;

/// <summary>The detached launcher with real child processes.</summary>
public class DetachedLauncherTests
{
    [Fact]
    public async Task AChildThatExitsWithoutServing_FailsAtOnce_WithItsOutput()
    {
        // On Windows the child shares no handle with us (see DetachedLauncher), so its output comes through its log file.
        string log = Path.Combine(Path.GetTempPath(), "ccr-detached-" + Guid.NewGuid().ToString("N") + ".log");
        string[] command = OperatingSystem.IsWindows()
            ? new[] { "cmd.exe", "/c", "echo config is broken> \"" + log + "\" & exit 3" }
            : new[] { "/bin/sh", "-c", "echo config is broken >&2; exit 3" };
        var launcher = new DetachedLauncher(command, Path.GetTempPath(), log);

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
        // Unix: pipes of its own, so the caller's stdout is not inherited. Windows: no pipes and no inherited handle at all.
        Assert.Equal(!OperatingSystem.IsWindows(), launcher.StartInfo.RedirectStandardError);
        Assert.False(launcher.StartInfo.UseShellExecute);
    }

    [Fact]
    public async Task TheLogFile_CarriesAFailedChildsOutput()
    {
        string log = Path.Combine(Path.GetTempPath(), "ccr-detached-" + Guid.NewGuid().ToString("N") + ".log");
        string[] command = OperatingSystem.IsWindows()
            ? new[] { "cmd.exe", "/c", "echo module did not load> \"" + log + "\"" }
            : new[] { "/bin/sh", "-c", "echo module did not load > '" + log + "'" };
        var launcher = new DetachedLauncher(command, Path.GetTempPath(), log);

        DetachedLaunchResult result = await launcher.LaunchAsync(FreePort(), TimeSpan.FromSeconds(20), CancellationToken.None);

        Assert.Null(result.Health);
        Assert.Contains("module did not load", result.Output, StringComparison.Ordinal);
        File.Delete(log);
    }

    [Theory]
    [InlineData(new[] { "pwsh", "-Command", "a b" }, "pwsh -Command \"a b\"")]
    [InlineData(new[] { "C:\\Program Files\\pwsh.exe", "" }, "\"C:\\Program Files\\pwsh.exe\" \"\"")]
    [InlineData(new[] { "say \"hi\"" }, "\"say \\\"hi\\\"\"")]
    [InlineData(new[] { "ends with\\" }, "\"ends with\\\\\"")]
    [InlineData(new[] { "a\\\\b", "c\\\"d" }, "a\\\\b \"c\\\\\\\"d\"")]
    public void WindowsCommandLines_SplitBackIntoTheSameArguments(string[] arguments, string expected) =>
        Assert.Equal(expected, DetachedLauncher.JoinWindowsArguments(arguments));

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
