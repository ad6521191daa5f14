namespace Ccr.Core.Config;

/// <summary>
/// Keeps <see cref="Current"/> in step with the config file: a <see cref="FileSystemWatcher"/> on its folder
/// (debounced, since editors write in bursts) plus a light poll of size and modification time for file
/// systems that miss events. A file that does not load keeps the last good config and raises
/// <see cref="ReloadFailed"/>. Events are raised on a thread-pool thread.
/// </summary>
public sealed class ConfigWatcher : IDisposable
{
    private static readonly bool s_namesIgnoreCase = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS();

    private readonly string _path;
    private readonly ConfigLoadOptions? _options;
    private readonly TimeSpan _debounce;
    private readonly FileSystemWatcher? _watcher;
    private readonly Timer _debounceTimer;
    private readonly Timer _pollTimer;
    private readonly object _gate = new();
    private CcrConfig _current;
    private (DateTime Modified, long Length) _lastSeen;
    private string? _lastText;
    private bool _disposed;

    /// <summary>Loads <paramref name="path"/> and starts watching it; throws <see cref="ConfigException"/> when it does not load.</summary>
    /// <param name="path">The config file.</param>
    /// <param name="options">Variable sources for every reload.</param>
    /// <param name="debounce">Quiet time after a change before reloading (default 200 ms).</param>
    /// <param name="pollInterval">How often size and time are compared (default 2 s).</param>
    public ConfigWatcher(string path, ConfigLoadOptions? options = null, TimeSpan? debounce = null, TimeSpan? pollInterval = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        _path = Path.GetFullPath(path);
        _options = options;
        _debounce = debounce ?? TimeSpan.FromMilliseconds(200);
        _lastSeen = Stamp();
        _lastText = ReadText();
        ConfigLoadResult first = _lastText is null ? ConfigLoader.Load(_path, options) : ConfigLoader.LoadFromText(_lastText, _path, options);
        _current = first.GetConfigOrThrow();

        _debounceTimer = new Timer(_ => Reload(force: false), null, Timeout.Infinite, Timeout.Infinite);
        TimeSpan poll = pollInterval ?? TimeSpan.FromSeconds(2);
        _pollTimer = new Timer(_ => Poll(), null, poll, poll);
        string? folder = Path.GetDirectoryName(_path);
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

    /// <summary>Raised with the new config after the file changed and loaded.</summary>
    public event EventHandler<CcrConfig>? Reloaded;

    /// <summary>Raised with the diagnostics when the changed file did not load; <see cref="Current"/> keeps the last good config.</summary>
    public event EventHandler<IReadOnlyList<ConfigDiagnostic>>? ReloadFailed;

    /// <summary>The config file being watched.</summary>
    public string FilePath => _path;

    /// <summary>The last config that loaded.</summary>
    public CcrConfig Current => Volatile.Read(ref _current);

    /// <summary>The diagnostics of the last failed reload, or empty after a good one.</summary>
    public IReadOnlyList<ConfigDiagnostic> LastFailure { get; private set; } = Array.Empty<ConfigDiagnostic>();

    /// <summary>Reloads now, whether or not the file looks changed; returns the load result.</summary>
    public ConfigLoadResult ReloadNow() => Reload(force: true) ?? ConfigLoader.Load(_path, _options);

    /// <summary>Stops watching.</summary>
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
    /// Whether an event's name is the config file's. Only names are compared (the watcher sees one folder, no
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

    private ConfigLoadResult? Reload(bool force)
    {
        ConfigLoadResult result;
        lock (_gate)
        {
            if (_disposed)
            {
                return null;
            }

            _lastSeen = Stamp();
            string? text = ReadText();
            if (!force && string.Equals(text, _lastText, StringComparison.Ordinal))
            {
                return null;
            }

            _lastText = text;
            result = text is null ? ConfigLoader.Load(_path, _options) : ConfigLoader.LoadFromText(text, _path, _options);
            if (result.Config is not null)
            {
                Volatile.Write(ref _current, result.Config);
                LastFailure = Array.Empty<ConfigDiagnostic>();
            }
            else
            {
                LastFailure = result.Diagnostics;
            }
        }

        if (result.Config is not null)
        {
            Reloaded?.Invoke(this, result.Config);
        }
        else
        {
            ReloadFailed?.Invoke(this, result.Diagnostics);
        }

        return result;
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

    private string? ReadText()
    {
        // Editors replace files in steps; a short retry rides over the moment the file is missing or locked.
        for (int attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                return AtomicFile.ReadAllText(_path);
            }
            catch (FileNotFoundException)
            {
                return null;
            }
            catch (IOException)
            {
                Thread.Sleep(20);
            }
            catch (UnauthorizedAccessException)
            {
                Thread.Sleep(20);
            }
        }

        return null;
    }
}
