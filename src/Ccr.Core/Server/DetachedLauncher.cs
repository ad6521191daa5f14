using System.Diagnostics;
using System.Text;

namespace Ccr.Core.Server;

/// <summary>
/// Starts a proxy in a process of its own that outlives the session that started it, and waits until
/// its port answers. The caller supplies the command (for Start-CcrProxy: the same pwsh, importing the
/// same module, running the hidden -DetachedChild body); this class owns how it is launched and
/// how its start is judged (the port is asked, never a PID file).
/// </summary>
internal sealed class DetachedLauncher
{
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(200);

    /// <param name="command">The program and its arguments, program first.</param>
    /// <param name="workingDirectory">The child's working directory.</param>
    public DetachedLauncher(IReadOnlyList<string> command, string workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Count == 0)
        {
            throw new ArgumentException("The command needs at least the program to run.", nameof(command));
        }

        // setsid: a new session, so closing the terminal (SIGHUP to its session) does not take the proxy down.
        string? setsid = OperatingSystem.IsWindows() ? null : Array.Find(new[] { "/usr/bin/setsid", "/bin/setsid" }, File.Exists);
        StartInfo = new ProcessStartInfo(setsid ?? command[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
            WorkingDirectory = workingDirectory,
        };
        for (int i = setsid is null ? 1 : 0; i < command.Count; i++)
        {
            StartInfo.ArgumentList.Add(command[i]);
        }
    }

    /// <summary>What will be started.</summary>
    public ProcessStartInfo StartInfo { get; }

    /// <summary>The program and arguments as one line, for a verbose message.</summary>
    public string CommandLine => StartInfo.FileName + " " + string.Join(' ', StartInfo.ArgumentList);

    /// <summary>
    /// Starts the child and waits until a Ccr proxy answers on <paramref name="port"/>, the child exits,
    /// <paramref name="timeout"/> passes or <paramref name="cancellationToken"/> is cancelled; a child that did
    /// not come up is killed and its output returned.
    /// </summary>
    public async Task<DetachedLaunchResult> LaunchAsync(int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using Process child = Process.Start(StartInfo) ?? throw new InvalidOperationException("The detached pwsh did not start.");
        child.StandardInput.Close();
        var output = new StringBuilder();
        DataReceivedEventHandler collect = (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            }
        };
        child.ErrorDataReceived += collect;
        child.OutputDataReceived += collect;
        child.BeginErrorReadLine();
        child.BeginOutputReadLine();

        var probe = new ProxyControlClient(port);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout && !cancellationToken.IsCancellationRequested)
        {
            ProxyHealth? health = await probe.GetHealthAsync(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            if (health is not null)
            {
                return new DetachedLaunchResult(health, "");
            }

            if (child.HasExited)
            {
                break;
            }

            try
            {
                await Task.Delay(s_pollInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        string text;
        lock (output)
        {
            text = output.ToString().Trim();
        }

        if (!child.HasExited)
        {
            child.Kill(entireProcessTree: true);
        }

        return new DetachedLaunchResult(null, text);
    }
}
