using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Ccr.Bench.Targets;

/// <summary>A started target with the process behind it and how long start-up took.</summary>
internal sealed record Launched(BenchTarget Target, Process Process, TimeSpan StartToHealthy, StringBuilder Stderr);

/// <summary>Starts the mock, Ccr (in a warm pwsh) and claude-code-router as child processes.</summary>
internal static class Launchers
{
    public static async Task<Launched> StartMockAsync(int chunks, int delayMs, CancellationToken ct)
    {
        var stderr = new StringBuilder();
        // stdin is a pipe the mock reads to its end: if the bench dies, the mock follows.
        var info = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
        };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            info.ArgumentList.Add(typeof(Launchers).Assembly.Location);
        }

        foreach (string a in new[] { "mock", "--port", "0", "--chunks", chunks.ToString(CultureInfo.InvariantCulture), "--delay-ms", delayMs.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(a);
        }

        var sw = Stopwatch.StartNew();
        Process process = ChildProcesses.Start(info, stderr);
        string line = await ChildProcesses.WaitForLineAsync(process, "listening ", TimeSpan.FromSeconds(30), () => stderr.ToString(), ct).ConfigureAwait(false);
        Drain(process);
        var uri = new Uri(line["listening ".Length..].Trim());
        var endPoint = new IPEndPoint(IPAddress.Loopback, uri.Port);
        TimeSpan healthy = sw.Elapsed;
        return new Launched(new BenchTarget { Name = "direct", EndPoint = endPoint, ProcessId = process.Id, SpeaksAnthropic = false, MessagesPath = "/v1/chat/completions" }, process, healthy, stderr);
    }

    /// <summary>
    /// Starts pwsh, lets it warm up, then times Import-Module + Start-CcrProxy to the first 200 from /health.
    /// The same pwsh then keeps serving for the other scenarios.
    /// </summary>
    /// <param name="extraConfig">Top-level config keys added for one scenario (the custom router's CUSTOM_ROUTER_PATH).</param>
    public static async Task<Launched> StartCcrAsync(string modulePath, int mockPort, string workFolder, CancellationToken ct, IReadOnlyDictionary<string, object>? extraConfig = null)
    {
        int port = ChildProcesses.FreePort();
        string config = Path.Combine(workFolder, $"ccr-config-{port}.json");
        var settings = new Dictionary<string, object>
        {
            ["Providers"] = new[] { new Dictionary<string, object> { ["name"] = "mock", ["api_base_url"] = $"http://127.0.0.1:{mockPort}/v1", ["api_key"] = "sk-bench", ["models"] = new[] { "m" } } },
            ["Router"] = new Dictionary<string, string> { ["default"] = "mock,m" },
            ["LOG"] = false,
        };
        foreach (KeyValuePair<string, object> extra in extraConfig ?? new Dictionary<string, object>())
        {
            settings[extra.Key] = extra.Value;
        }

        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(settings), ct).ConfigureAwait(false);

        string script = Path.Combine(workFolder, $"ccr-host-{port}.ps1");
        await File.WriteAllTextAsync(script, $$"""
            $ErrorActionPreference = 'Stop'
            # Warm the engine the way an interactive session is warm before the user types.
            $null = Get-ChildItem -LiteralPath $PSHOME | Select-Object -First 1
            $null = Get-Command -Module Microsoft.PowerShell.Utility | Select-Object -First 1
            [Console]::Out.WriteLine("warm $PID")
            $null = [Console]::In.ReadLine()
            Import-Module -Name '{{modulePath.Replace("'", "''", StringComparison.Ordinal)}}'
            Start-CcrProxy -Port {{port}} -ConfigPath '{{config.Replace("'", "''", StringComparison.Ordinal)}}' | Out-Null
            [Console]::Out.WriteLine('started')
            $null = [Console]::In.ReadLine()
            """, ct).ConfigureAwait(false);

        ProcessStartInfo info = PwshStartInfo(modulePath);
        info.ArgumentList.Add("-NoProfile");
        info.ArgumentList.Add("-NonInteractive");
        info.ArgumentList.Add("-File");
        info.ArgumentList.Add(script);
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        var stderr = new StringBuilder();
        Process process = ChildProcesses.Start(info, stderr);
        string warm = await ChildProcesses.WaitForLineAsync(process, "warm ", TimeSpan.FromSeconds(120), () => stderr.ToString(), ct).ConfigureAwait(false);
        int pwshPid = int.Parse(warm["warm ".Length..].Trim(), CultureInfo.InvariantCulture);
        await Task.Delay(300, ct).ConfigureAwait(false);

        var endPoint = new IPEndPoint(IPAddress.Loopback, port);
        await process.StandardInput.WriteLineAsync().ConfigureAwait(false);
        await process.StandardInput.FlushAsync(ct).ConfigureAwait(false);
        TimeSpan healthy = await Requests.WaitHealthyAsync(endPoint, TimeSpan.FromSeconds(60), () => !process.HasExited, ct).ConfigureAwait(false);
        Drain(process);
        return new Launched(new BenchTarget { Name = "Ccr", EndPoint = endPoint, ProcessId = pwshPid, SpeaksAnthropic = true, MessagesPath = "/v1/messages" }, process, healthy, stderr);
    }

    private static ProcessStartInfo PwshStartInfo(string modulePath)
    {
        string? onPath = FindOnPath(OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh");
        if (onPath is not null)
        {
            return new ProcessStartInfo(onPath);
        }

        // The repository's local tool: `dotnet pwsh` from a folder under the tool manifest.
        string? root = FindUp(Path.GetFullPath(modulePath), Path.Combine(".config", "dotnet-tools.json"))
            ?? FindUp(Environment.CurrentDirectory, Path.Combine(".config", "dotnet-tools.json"))
            ?? throw new InvalidOperationException("pwsh is not on PATH and no .config/dotnet-tools.json was found to run `dotnet pwsh`; run `dotnet tool restore` in the repository.");
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = root };
        info.ArgumentList.Add("pwsh");
        return info;
    }

    /// <summary>
    /// Installs claude-code-router from npm into a temp folder, points it at the mock under a temp HOME (so
    /// the user's own ~/.claude-code-router is never read or written), and starts it in the foreground.
    /// </summary>
    public static async Task<Launched> StartRouterAsync(string version, int mockPort, string workFolder, CancellationToken ct)
    {
        string prefix = Path.Combine(workFolder, "ccr-node");
        string cli = Path.Combine(prefix, "node_modules", "@musistudio", "claude-code-router", "dist", "cli.js");
        if (!File.Exists(cli))
        {
            Directory.CreateDirectory(prefix);
            ProcessStartInfo npm = OperatingSystem.IsWindows() ? new ProcessStartInfo("cmd.exe") : new ProcessStartInfo("npm");
            if (OperatingSystem.IsWindows())
            {
                npm.ArgumentList.Add("/c");
                npm.ArgumentList.Add("npm");
            }

            foreach (string a in new[] { "install", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel", "error", $"@musistudio/claude-code-router@{version}" })
            {
                npm.ArgumentList.Add(a);
            }

            npm.RedirectStandardOutput = true;
            var npmErr = new StringBuilder();
            Process install = ChildProcesses.Start(npm, npmErr);
            Drain(install);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(TimeSpan.FromMinutes(5));
            await install.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            if (install.ExitCode != 0 || !File.Exists(cli))
            {
                throw new InvalidOperationException($"npm install of @musistudio/claude-code-router@{version} failed (exit {install.ExitCode}): {ChildProcesses.Trim(npmErr.ToString())}");
            }
        }

        int port = ChildProcesses.FreePort();
        string home = Path.Combine(workFolder, $"router-home-{port}");
        string configFolder = Path.Combine(home, ".claude-code-router");
        Directory.CreateDirectory(configFolder);
        await File.WriteAllTextAsync(Path.Combine(configFolder, "config.json"), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["PORT"] = port,
            ["HOST"] = "127.0.0.1",
            ["LOG"] = false,
            ["LOG_LEVEL"] = "fatal",
            ["NON_INTERACTIVE_MODE"] = true,
            ["API_TIMEOUT_MS"] = 600000,
            ["Providers"] = new[] { new Dictionary<string, object> { ["name"] = "mock", ["api_base_url"] = $"http://127.0.0.1:{mockPort}/v1/chat/completions", ["api_key"] = "sk-bench", ["models"] = new[] { "m" } } },
            ["Router"] = new Dictionary<string, string> { ["default"] = "mock,m" },
        }), ct).ConfigureAwait(false);

        var info = new ProcessStartInfo("node") { WorkingDirectory = home, RedirectStandardOutput = true };
        info.ArgumentList.Add(cli);
        info.ArgumentList.Add("start");
        info.Environment["HOME"] = home;
        info.Environment["USERPROFILE"] = home;
        info.Environment["NODE_ENV"] = "production";
        var stderr = new StringBuilder();
        var sw = Stopwatch.StartNew();
        Process process = ChildProcesses.Start(info, stderr);
        Drain(process);
        var endPoint = new IPEndPoint(IPAddress.Loopback, port);
        try
        {
            await Requests.WaitHealthyAsync(endPoint, TimeSpan.FromSeconds(60), () => !process.HasExited, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            ChildProcesses.Kill(process);
            throw new InvalidOperationException($"claude-code-router did not become healthy: {e.Message} {ChildProcesses.Trim(stderr.ToString())}", e);
        }

        TimeSpan healthy = sw.Elapsed;
        return new Launched(new BenchTarget { Name = "claude-code-router", EndPoint = endPoint, ProcessId = process.Id, SpeaksAnthropic = true, MessagesPath = "/v1/messages" }, process, healthy, stderr);
    }

    private static void Drain(Process process)
    {
        _ = Task.Run(async () =>
        {
            try
            {
                char[] buffer = new char[4096];
                while (await process.StandardOutput.ReadAsync(buffer).ConfigureAwait(false) > 0)
                {
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
            }
        });
    }

    /// <summary>The full path of <paramref name="file"/> in the first PATH folder that holds it, or null.</summary>
    internal static string? FindOnPath(string file)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, file);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string? FindUp(string start, string relative)
    {
        for (string? dir = start; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, relative)))
            {
                return dir;
            }
        }

        return null;
    }
}
