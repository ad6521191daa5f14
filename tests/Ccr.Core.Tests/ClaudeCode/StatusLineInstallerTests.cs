using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Ccr.Core.ClaudeCode;
using Ccr.Core.Config;
using Ccr.Core.Tests.TestSupport;

namespace Ccr.Core.Tests.ClaudeCode;

public class StatusLineInstallerTests
{
    private const string Settings = "{\r\n    // my theme\r\n    \"theme\": \"dark\",\r\n    \"env\": { \"FOO\": \"1\" },\r\n    \"permissions\": { \"allow\": [\"Bash(ls:*)\"] }\r\n}\r\n";

    [Fact]
    public void Install_AddsOnlyTheStatusLine_KeepingEveryOtherByte()
    {
        using var folder = new TempFolder();
        string path = folder.Write("settings.json", Settings);
        string command = StatusLineCommand.For(4567, windows: false, sendKey: true);

        StatusLineEdit edit = StatusLineInstaller.Install(path, command);

        string after = File.ReadAllText(path);
        Assert.Equal(StatusLineEditOutcome.Installed, edit.Outcome);
        Assert.StartsWith(Settings[..Settings.LastIndexOf('}')].TrimEnd(), after, StringComparison.Ordinal);
        Assert.Contains("// my theme", after, StringComparison.Ordinal);
        JsonNode statusLine = JsonNode.Parse(after, documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!["statusLine"]!;
        Assert.Equal("command", (string?)statusLine["type"]);
        Assert.Equal(command, (string?)statusLine["command"]);
        Assert.Equal(0, (int)statusLine["padding"]!);
        Assert.Equal(Settings, File.ReadAllText(path + ".bak"));
    }

    [Fact]
    public void Install_Twice_LeavesTheFileAlone_AndUninstall_RestoresTheOriginalBytes()
    {
        using var folder = new TempFolder();
        string path = folder.Write("settings.json", Settings);
        string command = StatusLineCommand.For(3456, windows: false, sendKey: false);
        StatusLineInstaller.Install(path, command);
        DateTime written = File.GetLastWriteTimeUtc(path);

        StatusLineEdit again = StatusLineInstaller.Install(path, command);
        StatusLineEdit removed = StatusLineInstaller.Uninstall(path);

        Assert.Equal(StatusLineEditOutcome.Unchanged, again.Outcome);
        Assert.Equal(StatusLineEditOutcome.Removed, removed.Outcome);
        Assert.Equal(command, removed.PreviousCommand);
        Assert.Equal(Settings, File.ReadAllText(path));
        Assert.True(File.GetLastWriteTimeUtc(path) >= written);
    }

    [Fact]
    public void Install_DryRun_WritesNothing()
    {
        using var folder = new TempFolder();
        string path = folder.Write("settings.json", Settings);
        string missing = Path.Combine(folder.Path, "project", ".claude", "settings.json");

        StatusLineEdit edit = StatusLineInstaller.Install(path, StatusLineCommand.For(3456, false, false), dryRun: true);
        StatusLineEdit created = StatusLineInstaller.Install(missing, StatusLineCommand.For(3456, false, false), dryRun: true);

        Assert.Equal(StatusLineEditOutcome.Installed, edit.Outcome);
        Assert.Equal(Settings, File.ReadAllText(path));
        Assert.False(File.Exists(path + ".bak"));
        Assert.Equal(StatusLineEditOutcome.Installed, created.Outcome);
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "project")));
    }

    [Fact]
    public void Install_CreatesTheFolderAndFile_WhenMissing()
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "project", ".claude", "settings.json");

        StatusLineInstaller.Install(path, StatusLineCommand.For(3456, false, false));

        JsonNode json = JsonNode.Parse(File.ReadAllText(path))!;
        Assert.Equal(StatusLineCommand.For(3456, false, false), (string?)json["statusLine"]!["command"]);
        Assert.Single(json.AsObject());
    }

    [Fact]
    public void Uninstall_KeepsSomeoneElsesStatusLine()
    {
        using var folder = new TempFolder();
        const string theirs = "{ \"statusLine\": { \"type\": \"command\", \"command\": \"~/.claude/statusline.sh\" } }";
        string path = folder.Write("settings.json", theirs);

        StatusLineEdit edit = StatusLineInstaller.Uninstall(path);

        Assert.Equal(StatusLineEditOutcome.NotOurs, edit.Outcome);
        Assert.Equal("~/.claude/statusline.sh", edit.PreviousCommand);
        Assert.Equal(theirs, File.ReadAllText(path));
    }

    [Fact]
    public void Uninstall_WithoutFileOrStatusLine_SaysNotInstalled()
    {
        using var folder = new TempFolder();
        string path = folder.Write("settings.json", Settings);

        Assert.Equal(StatusLineEditOutcome.NotInstalled, StatusLineInstaller.Uninstall(path).Outcome);
        Assert.Equal(StatusLineEditOutcome.NotInstalled, StatusLineInstaller.Uninstall(folder.File("none.json")).Outcome);
        Assert.Equal(Settings, File.ReadAllText(path));
    }

    [Fact]
    public void BrokenSettings_AreRefusedWithWhere_AndNotTouched()
    {
        using var folder = new TempFolder();
        string path = folder.Write("settings.json", "{ \"theme\": \"dark\",, }");

        ConfigException e = Assert.Throws<ConfigException>(() => StatusLineInstaller.Install(path, StatusLineCommand.For(3456, false, false)));

        Assert.Contains("SyntaxError", e.Diagnostics[0].Code, StringComparison.Ordinal);
        Assert.Equal("{ \"theme\": \"dark\",, }", File.ReadAllText(path));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Commands_PostToTheProxyPort_WithTheKeyFromTheEnvironment_NeverInThem(bool windows)
    {
        string command = StatusLineCommand.For(4567, windows, sendKey: true);
        string keyless = StatusLineCommand.For(4567, windows, sendKey: false);

        Assert.Contains("http://127.0.0.1:4567/ccr/statusline", command, StringComparison.Ordinal);
        Assert.Contains("x-api-key: ", command, StringComparison.Ordinal);
        Assert.Contains("ANTHROPIC_AUTH_TOKEN", command, StringComparison.Ordinal);
        Assert.DoesNotContain("x-api-key", keyless, StringComparison.Ordinal);
        Assert.True(StatusLineCommand.IsOurs(command));
        Assert.True(StatusLineCommand.IsOurs(keyless));
        Assert.StartsWith(windows ? "curl.exe " : "curl ", command, StringComparison.Ordinal);
    }

    [Fact]
    public void WindowsCommand_AvoidsWhatOnlyOneOfGitBashAndWindowsPowerShellParses()
    {
        foreach (string command in new[] { StatusLineCommand.For(3456, true, true), StatusLineCommand.For(3456, true, false, color: false) })
        {
            // || is a parse error in Windows PowerShell 5.1; $X is a shell variable in bash and a PowerShell one in pwsh.
            Assert.DoesNotContain("||", command, StringComparison.Ordinal);
            Assert.DoesNotContain('$', command);
            Assert.DoesNotContain('\'', command);
            Assert.DoesNotContain('`', command);
            Assert.EndsWith("; exit 0", command, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("--variable", StatusLineCommand.For(3456, true, sendKey: false), StringComparison.Ordinal);
        Assert.Contains("/ccr/statusline?color=0\"", StatusLineCommand.For(3456, true, false, color: false), StringComparison.Ordinal);
    }

    [Fact]
    public void UnixCommand_RunByBash_PrintsTheNotice_AndExitsZero_WhenNothingListens()
    {
        if (OperatingSystem.IsWindows() || !File.Exists("/bin/bash"))
        {
            return;
        }

        int port = FreePort();
        var psi = new ProcessStartInfo("/bin/bash") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(StatusLineCommand.For(port, windows: false, sendKey: true));
        using Process bash = Process.Start(psi)!;
        bash.StandardInput.Write("{\"session_id\":\"s\"}");
        bash.StandardInput.Close();
        string output = bash.StandardOutput.ReadToEnd();
        Assert.True(bash.WaitForExit(10_000));

        Assert.Equal(0, bash.ExitCode);
        Assert.Equal(StatusLineCommand.ProxyDownNotice, output.Trim());
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
