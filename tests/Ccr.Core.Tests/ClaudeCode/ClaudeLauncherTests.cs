using Ccr.Core.ClaudeCode;
using Ccr.Core.Tests.TestSupport;

namespace Ccr.Core.Tests.ClaudeCode;

/// <summary>Finding the Claude Code CLI and building its start info, with real files in a temp folder.</summary>
public class ClaudeLauncherTests
{
    // npm's cmd-shim as it writes claude.cmd on Windows (the lines that matter).
    private const string NpmShim = """
        @ECHO off
        GOTO start
        :find_dp0
        SET dp0=%~dp0
        EXIT /b
        :start
        SETLOCAL
        CALL :find_dp0
        IF EXIST "%dp0%\node.exe" (
          SET "_prog=%dp0%\node.exe"
        ) ELSE (
          SET "_prog=node"
          SET PATHEXT=%PATHEXT:;.JS;=;%
        )
        endLocal & goto #_undefined_# 2>NUL || title %COMSPEC% & "%_prog%"  "%dp0%\node_modules\@anthropic-ai\claude-code\cli.js" %*
        """;

    [Fact]
    public void CreateStartInfo_SetsTheRouterEnvironmentOnTheChildOnly_AndPassesArgumentsOneByOne()
    {
        var claude = new ClaudeExecutable("/opt/claude", Array.Empty<string>(), "/opt/claude", ViaCommandShell: false);
        string[] arguments = { "-p", "two words", "say \"hi\"", "", "ünï ✓" };
        string? before = Environment.GetEnvironmentVariable("ANTHROPIC_BASE_URL");

        var info = ClaudeLauncher.CreateStartInfo(claude, arguments, new ClaudeEnvironment("http://127.0.0.1:1/preset/p", "tok", "fake,m"), null);

        Assert.Equal(arguments, info.ArgumentList);
        Assert.Equal("", info.Arguments);
        Assert.False(info.UseShellExecute);
        Assert.False(info.RedirectStandardInput || info.RedirectStandardOutput || info.RedirectStandardError);
        Assert.Equal("http://127.0.0.1:1/preset/p", info.Environment["ANTHROPIC_BASE_URL"]);
        Assert.Equal("tok", info.Environment["ANTHROPIC_AUTH_TOKEN"]);
        Assert.Equal("fake,m", info.Environment["ANTHROPIC_MODEL"]);
        Assert.False(info.Environment.ContainsKey("ANTHROPIC_API_KEY"));
        Assert.Contains("127.0.0.1", info.Environment["NO_PROXY"], StringComparison.Ordinal);
        Assert.Equal(before, Environment.GetEnvironmentVariable("ANTHROPIC_BASE_URL"));
    }

    [Theory]
    [InlineData(null, "127.0.0.1,localhost,::1")]
    [InlineData("  ", "127.0.0.1,localhost,::1")]
    [InlineData("corp.example", "corp.example,127.0.0.1,localhost,::1")]
    [InlineData("LOCALHOST, corp.example", "LOCALHOST,corp.example,127.0.0.1,::1")]
    public void WithLoopback_AddsEachLoopbackHostOnce(string? current, string expected) =>
        Assert.Equal(expected, ClaudeLauncher.WithLoopback(current));

    [Fact]
    public void Find_ReturnsNull_WhenNoFolderHasClaude()
    {
        using var folder = new TempFolder();

        Assert.Null(ClaudeLauncher.Find(folder.Path));
    }

    [Fact]
    public void Find_OnUnix_TakesTheFirstExecutableClaudeOnPath()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var first = new TempFolder();
        using var second = new TempFolder();
        string notExecutable = first.Write("claude", "#!/bin/sh\n");
        File.SetUnixFileMode(notExecutable, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string executable = second.Write("claude", "#!/bin/sh\n");
        File.SetUnixFileMode(executable, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        ClaudeExecutable? found = ClaudeLauncher.Find(first.Path + Path.PathSeparator + second.Path);

        Assert.NotNull(found);
        Assert.Equal(executable, found.FileName);
        Assert.Empty(found.LeadingArguments);
    }

    [Fact]
    public void NpmShim_IsResolvedToNodeAndTheScript_SoCmdExeNeverParsesTheArguments()
    {
        using var folder = new TempFolder();
        string shim = folder.Write("claude.cmd", NpmShim);
        string node = folder.Write("node.exe", "");
        Directory.CreateDirectory(folder.File(Path.Combine("node_modules", "@anthropic-ai", "claude-code")));
        string script = folder.Write(Path.Combine("node_modules", "@anthropic-ai", "claude-code", "cli.js"), "// cli");

        ClaudeExecutable? found = ClaudeLauncher.ResolveNpmShim(shim, new[] { folder.Path });

        Assert.NotNull(found);
        Assert.Equal(node, found.FileName);
        Assert.Equal(new[] { script }, found.LeadingArguments);
        Assert.False(found.ViaCommandShell);
    }

    [Fact]
    public void NpmShim_WhoseScriptIsMissing_IsNotResolved()
    {
        using var folder = new TempFolder();
        string shim = folder.Write("claude.cmd", NpmShim);

        Assert.Null(ClaudeLauncher.ResolveNpmShim(shim, new[] { folder.Path }));
    }
}
