using System.Globalization;

namespace Ccr.Core.Server;

/// <summary>
/// Which sessions asked for the proxy on a port, and whether it was stopped on purpose, kept as files
/// in the state folder so every process of the user sees them. A session's file stays open (locked) for
/// the session's life: liveness is the lock, not the pid written in the name, so a crashed session whose
/// pid was reused is never counted (pid liveness checks broke the Node router on Windows).
/// </summary>
internal static class SessionRegistry
{
    private const string SessionExtension = ".session";

    public static string FolderFor(string stateFolder, int port) =>
        Path.Combine(stateFolder, "sessions-" + port.ToString(CultureInfo.InvariantCulture));

    private static string StopMarkerFor(string stateFolder, int port) =>
        Path.Combine(stateFolder, "proxy-" + port.ToString(CultureInfo.InvariantCulture) + ".stopped");

    /// <summary>
    /// Creates this session's file and keeps it open until the returned stream is disposed. On Unix .NET takes a
    /// shared flock for an open that allows others to read, and an exclusive one for FileShare.None; on Windows the
    /// sharing mode itself conflicts. Either way <see cref="LiveProcessIds"/>'s exclusive open fails while we hold it.
    /// DeleteOnClose removes the file when the session ends, on Windows even when the process is killed.
    /// </summary>
    public static FileStream Join(string stateFolder, int port)
    {
        string folder = FolderFor(stateFolder, port);
        Directory.CreateDirectory(folder);
        string name = Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8] + SessionExtension;
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Read | FileShare.Delete,
            Options = FileOptions.DeleteOnClose,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var stream = new FileStream(Path.Combine(folder, name), options);
        stream.WriteByte((byte)'1');
        stream.Flush();
        return stream;
    }

    /// <summary>The processes whose sessions hold a file for <paramref name="port"/>, sorted; files left by crashed sessions are removed.</summary>
    public static IReadOnlyList<int> LiveProcessIds(string stateFolder, int port)
    {
        var pids = new SortedSet<int>();
        string[] files;
        try
        {
            files = Directory.GetFiles(FolderFor(stateFolder, port), "*" + SessionExtension);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Array.Empty<int>();
        }

        foreach (string file in files)
        {
            string name = Path.GetFileNameWithoutExtension(file);
            int dash = name.IndexOf('-', StringComparison.Ordinal);
            if (dash <= 0 || !int.TryParse(name.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            if (IsHeld(file))
            {
                pids.Add(pid);
            }
        }

        return new List<int>(pids);
    }

    /// <summary>Records that the proxy on <paramref name="port"/> was stopped on purpose, so attached sessions leave it stopped.</summary>
    public static void MarkStopped(string stateFolder, int port, DateTime nowUtc)
    {
        try
        {
            Directory.CreateDirectory(stateFolder);
            File.WriteAllText(StopMarkerFor(stateFolder, port), nowUtc.Ticks.ToString(CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Without the marker attached sessions restart the proxy: the stop is undone, never lost data.
        }
    }

    /// <summary>True when the proxy on <paramref name="port"/> was stopped on purpose at or after <paramref name="sinceUtc"/>.</summary>
    public static bool StoppedSince(string stateFolder, int port, DateTime sinceUtc)
    {
        try
        {
            string text = File.ReadAllText(StopMarkerFor(stateFolder, port));
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long ticks) && ticks >= sinceUtc.Ticks;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool IsHeld(string file)
    {
        try
        {
            // Succeeds only when no session holds the file: its owner is gone without closing it (a crash on Unix).
            using (new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
            }

            File.Delete(file);
            return false;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            // Windows answers a file pending deletion (its session just closed) with access denied.
            return false;
        }
    }
}
