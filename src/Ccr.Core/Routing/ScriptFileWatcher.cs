using Ccr.Core.Config;

namespace Ccr.Core.Routing;

/// <summary>
/// Tells when one file (a custom router script) may have changed: a <see cref="FileSystemWatcher"/> on its folder, debounced
/// because editors write in bursts, plus a light poll of size and time for file systems that miss events (network shares,
/// some container mounts). the change callback runs on a thread-pool thread; the owner decides whether the text differs.
/// </summary>
internal sealed class ScriptFileWatcher : IDisposable
{
    // Windows and macOS (its default volume format) compare file names without case; Linux does not.
    private static readonly bool s_namesIgnoreCase = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS();

    private readonly string _path;
    private readonly Action _changed;
    private readonly FileSystemWatcher? _watcher;
    private readonly Timer _debounceTimer;
    private readonly Timer _pollTimer;
    private readonly object _gate = new();
    private (DateTime Modified, long Length) _lastSeen;
    private bool _disposed;

    public ScriptFileWatcher(string path, Action changed, TimeSpan? pollInterval = null)
    {
        _path = path;
        _changed = changed;
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
        if (ConfigWatcher.IsWatchedFile(e.Name, Path.GetFileName(_path), s_namesIgnoreCase))
        {
            Schedule();
        }
    }

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
                _debounceTimer.Change(TimeSpan.FromMilliseconds(200), Timeout.InfiniteTimeSpan);
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
