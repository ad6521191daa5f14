using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;
using Ccr.Core.Config;

namespace Ccr.Core.Server;

/// <summary>
/// Starts a proxy in a process of its own that outlives the session that started it, and waits until
/// its port answers. The caller supplies the command (for Start-CcrProxy: the same pwsh, importing the
/// same module, running the hidden -DetachedChild body); this class owns how it is launched and
/// how its start is judged (the port is asked, never a PID file or the child's output).
/// </summary>
/// <remarks>
/// What "its own process" takes differs per OS:
/// <list type="bullet">
/// <item>Windows: <see cref="Process.Start()"/> always calls CreateProcess with handle inheritance on, so the child
/// would hold every inheritable handle of this process, including the stdout pipe of whoever captures
/// <c>pwsh -c 'Start-CcrProxy -Detached'</c> (CI, editor tasks, a shell tool), which then waits until the proxy
/// dies. It would also stay in this process's job object, which SSH sessions, scheduled tasks and CI steps kill
/// when they end. So the child is created by CreateProcess itself, inheriting no handle, with a hidden console of
/// its own (CREATE_NO_WINDOW: pwsh's console host needs one; closing the caller's window does not reach it), as the
/// root of a new process group (Ctrl+C in the caller's console is not its signal) and, where the job allows it,
/// out of the caller's job (CREATE_BREAKAWAY_FROM_JOB; a job without JOB_OBJECT_LIMIT_BREAKAWAY_OK refuses it
/// with ERROR_ACCESS_DENIED, and then the child is started inside the job rather than not at all).
/// Its output reaches us only through <see cref="LogPath"/>.</item>
/// <item>Unix: the child gets pipes of its own for stdio (.NET opens every other descriptor close-on-exec, so
/// nothing of the caller's leaks), and leaves the terminal's session itself: the child's module code calls
/// <see cref="DetachFromTerminal"/> (libc <c>setsid()</c>) as it starts. macOS has no <c>setsid</c> program,
/// and calling the function works the same on Linux and macOS.</item>
/// </list>
/// On every OS the working directory is the user's home, so the proxy does not hold the config's folder open
/// (Windows cannot delete or rename a folder that is a process's working directory).
/// </remarks>
internal sealed class DetachedLauncher
{
    private const int MaxOutputChars = 4000;
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(200);

    /// <param name="command">The program and its arguments, program first.</param>
    /// <param name="workingDirectory">The child's working directory.</param>
    /// <param name="logPath">The file the child writes its output to, read back when it fails to start; null when it writes none.</param>
    public DetachedLauncher(IReadOnlyList<string> command, string workingDirectory, string? logPath = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Count == 0)
        {
            throw new ArgumentException("The command needs at least the program to run.", nameof(command));
        }

        bool pipes = !OperatingSystem.IsWindows();
        StartInfo = new ProcessStartInfo(command[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = pipes,
            RedirectStandardOutput = pipes,
            RedirectStandardError = pipes,
            CreateNoWindow = true,
            WorkingDirectory = workingDirectory,
        };
        for (int i = 1; i < command.Count; i++)
        {
            StartInfo.ArgumentList.Add(command[i]);
        }

        LogPath = logPath;
    }

    /// <summary>What will be started (on Windows the program, arguments and folder are handed to CreateProcess instead).</summary>
    public ProcessStartInfo StartInfo { get; }

    /// <summary>The child's log file, or null.</summary>
    public string? LogPath { get; }

    /// <summary>The program and arguments as one line, for a verbose message.</summary>
    public string CommandLine => StartInfo.FileName + " " + string.Join(' ', StartInfo.ArgumentList);

    /// <summary>
    /// In the detached child: leaves the session (and so the controlling terminal and process group) it was started in,
    /// so closing the terminal (SIGHUP to its session) or Ctrl+C there (SIGINT to its foreground group) no longer
    /// reaches it. Returns null on success, or why it failed. Does nothing on Windows, where the launcher already did it.
    /// </summary>
    public static string? DetachFromTerminal()
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        // setsid fails with EPERM only for a process-group leader; a child started by Process.Start is not one.
        return NativeMethods.setsid() == -1
            ? "setsid() failed (errno " + Marshal.GetLastPInvokeError().ToString(System.Globalization.CultureInfo.InvariantCulture) + "); the proxy stays in the terminal's session and ends when it closes."
            : null;
    }

    /// <summary>
    /// Starts the child and waits until a Ccr proxy answers on <paramref name="port"/>, the child exits,
    /// <paramref name="timeout"/> passes or <paramref name="cancellationToken"/> is cancelled; a child that did
    /// not come up is killed and its output returned.
    /// </summary>
    public async Task<DetachedLaunchResult> LaunchAsync(int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (LogPath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(LogPath))!);
            TryDelete(LogPath);
        }

        using Child child = OperatingSystem.IsWindows() ? StartWindows() : StartWithPipes();
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

        child.KillIfRunning();
        await child.DrainOutputAsync().ConfigureAwait(false);
        string output = (child.Output + Environment.NewLine + ReadLog()).Trim();
        return new DetachedLaunchResult(null, output.Length > MaxOutputChars ? output[^MaxOutputChars..] : output);
    }

    /// <summary>Joins arguments into one Windows command line that CommandLineToArgvW and the C runtime split back into the same arguments.</summary>
    internal static string JoinWindowsArguments(IEnumerable<string> arguments)
    {
        var line = new StringBuilder();
        foreach (string argument in arguments)
        {
            if (line.Length > 0)
            {
                line.Append(' ');
            }

            if (argument.Length > 0 && argument.AsSpan().IndexOfAny(" \t\n\v\"") < 0)
            {
                line.Append(argument);
                continue;
            }

            line.Append('"');
            int backslashes = 0;
            foreach (char c in argument)
            {
                if (c == '\\')
                {
                    backslashes++;
                    continue;
                }

                // Backslashes are literal unless they precede a quote: then each is doubled and the quote escaped.
                line.Append('\\', c == '"' ? (backslashes * 2) + 1 : backslashes);
                line.Append(c);
                backslashes = 0;
            }

            line.Append('\\', backslashes * 2).Append('"');
        }

        return line.ToString();
    }

    private Child StartWithPipes()
    {
        Process process = Process.Start(StartInfo) ?? throw new InvalidOperationException("The detached pwsh did not start.");
        process.StandardInput.Close();
        var child = new Child(process);
        process.ErrorDataReceived += child.Collect;
        process.OutputDataReceived += child.Collect;
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return child;
    }

    [SupportedOSPlatform("windows")]
    private Child StartWindows()
    {
        string commandLine = JoinWindowsArguments(new[] { StartInfo.FileName }.Concat(StartInfo.ArgumentList));
        const uint baseFlags = NativeMethods.CreateNoWindow | NativeMethods.CreateNewProcessGroup;
        if (!NativeMethods.TryCreateProcess(commandLine, StartInfo.WorkingDirectory, baseFlags | NativeMethods.CreateBreakawayFromJob, out NativeMethods.ProcessInformation info, out int error))
        {
            if (error != NativeMethods.ErrorAccessDenied || !NativeMethods.TryCreateProcess(commandLine, StartInfo.WorkingDirectory, baseFlags, out info, out error))
            {
                throw new Win32Exception(error, "The detached pwsh did not start: " + new Win32Exception(error).Message);
            }
        }

        NativeMethods.CloseHandle(info.Thread);
        return new Child(info.ProcessId, new Microsoft.Win32.SafeHandles.SafeWaitHandle(info.Process, ownsHandle: true));
    }

    private string ReadLog()
    {
        if (LogPath is null)
        {
            return "";
        }

        try
        {
            return File.Exists(LogPath) ? AtomicFile.ReadAllText(LogPath) : "";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The started child, however it was started.</summary>
    private sealed class Child : IDisposable
    {
        private readonly Process? _process;
        private readonly int _processId;
        private readonly WaitHandle? _exited;
        private readonly StringBuilder _output = new();

        public Child(Process process)
        {
            _process = process;
            _processId = process.Id;
        }

        public Child(int processId, Microsoft.Win32.SafeHandles.SafeWaitHandle processHandle)
        {
            _processId = processId;
            _exited = new ManualResetEvent(false) { SafeWaitHandle = processHandle };
        }

        public bool HasExited => _process?.HasExited ?? _exited!.WaitOne(0);

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public void Collect(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(e.Data);
                }
            }
        }

        /// <summary>
        /// Waits, briefly, until the exited child's redirected output has all been read: HasExited turns true before the
        /// async readers have delivered the last lines, and those lines are usually the reason it failed.
        /// </summary>
        public async Task DrainOutputAsync()
        {
            if (_process is null || !_process.HasExited)
            {
                return;
            }

            // WaitForExitAsync also waits for the redirected streams to reach their end; a grandchild that kept the
            // pipe open must not hold the caller, hence the bound.
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _process.WaitForExitAsync(bound.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        public void KillIfRunning()
        {
            if (HasExited)
            {
                return;
            }

            try
            {
                Process process = _process ?? Process.GetProcessById(_processId);
                process.Kill(entireProcessTree: true);
                process.WaitForExit(2000);
                if (_process is null)
                {
                    process.Dispose();
                }
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or Win32Exception)
            {
                // It exited on its own meanwhile.
            }
        }

        public void Dispose()
        {
            _process?.Dispose();
            _exited?.Dispose();
        }
    }
}
