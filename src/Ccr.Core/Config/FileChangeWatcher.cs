namespace Ccr.Core.Config;

/// <summary>
/// Tells when one file (the config, a custom router script) may have changed: a <see cref="FileSystemWatcher"/> on its
/// folder, debounced because editors write in bursts, plus a light poll of size and time for file systems that miss events
/// (network shares, some container mounts). The change callback runs on a thread-pool thread; the owner decides whether the
/// text really differs.
/// </summary>
internal sealed class FileChangeWatcher : IDisposable
{
    // Windows and macOS (its default volume format) compare file names without case; Linux does not.
    private static readonly bool s_namesIgnoreCase = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS();

    private readonly string _path;
    private readonly Action _changed;
    private readonly TimeSpan _debounce;
    private readonly FileSystemWatcher? _watcher;
    private readonly Timer _debounceTimer;
    private readonly Timer _pollTimer;
    private readonly object _gate = new();
    private (DateTime Modified, long Length) _lastSeen;
    private bool _disposed;

    /// <param name="path">The full path of the file.</param>
    /// <param name="changed">Called after a change and <paramref name="debounce"/> of quiet (default 200 ms).</param>
    /// <param name="debounce">Quiet time after the last event before <paramref name="changed"/> runs.</param>
    /// <param name="pollInterval">How often size and time are compared (default 2 s).</param>
    public FileChangeWatcher(string path, Action changed, TimeSpan? debounce = null, TimeSpan? pollInterval = null)
    {
        _path = path;
        _changed = changed;
        _debounce = debounce ?? TimeSpan.FromMilliseconds(200);
        _lastSeen = Stamp();
        _debounceTimer = new Timer(_ => Fire(), null, Timeout.Infinite, Timeout.Infinite);
        TimeSpan poll = pollInterval ?? TimeSpan.FromSeconds(2);
        _pollTimer = new Timer(_ => Poll(), null, poll, poll);
        string? folder = Path.GetDirectoryName(path);
        if (folder is not null && Directory.Exists(folder))
        {
            _watcher = new FileSystemWatcher(folder)
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName | NotifyFilters.CreationTime,
                IncludeSubdirectories = false,
            };
            _watcher.Changed += OnFileEvent;
            _watcher.Created += OnFileEvent;
            _watcher.Renamed += OnFileEvent;
            _watcher.EnableRaisingEvents = true;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _watcher?.Dispose();
        _debounceTimer.Dispose();
        _pollTimer.Dispose();
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e)
    {
        if (IsWatchedFile(e.Name, Path.GetFileName(_path), s_namesIgnoreCase))
        {
            Schedule();
        }
    }

    /// <summary>
    /// Whether an event's name is the watched file's. Only names are compared (the watcher sees one folder, no
    /// subfolders): on macOS the event's folder may come back resolved (/private/var/... for /var/...), so a
    /// full-path comparison would miss it. With <paramref name="ignoreCase"/> (Windows, and macOS whose default
    /// file system is case-insensitive) <c>Config.json</c> given by the user is the <c>config.json</c> on disk.
    /// </summary>
    internal static bool IsWatchedFile(string? eventName, string fileName, bool ignoreCase) =>
        eventName is not null && string.Equals(Path.GetFileName(eventName), fileName, ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    private void Poll()
    {
        if (Stamp() != _lastSeen)
        {
            Schedule();
        }
    }

    private void Schedule()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _debounceTimer.Change(_debounce, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void Fire()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _lastSeen = Stamp();
        }

        _changed();
    }

    private (DateTime, long) Stamp()
    {
        try
        {
            var info = new FileInfo(_path);
            return info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1);
        }
        catch (IOException)
        {
            return (DateTime.MinValue, -1);
        }
    }
}
