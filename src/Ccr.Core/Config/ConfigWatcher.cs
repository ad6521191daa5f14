namespace Ccr.Core.Config;

/// <summary>
/// Keeps <see cref="Current"/> in step with the config file, reloading when <see cref="FileChangeWatcher"/> says it
/// may have changed and its text really did. A file that does not load keeps the last good config and raises
/// <see cref="ReloadFailed"/>. Events are raised on a thread-pool thread.
/// </summary>
public sealed class ConfigWatcher : IDisposable
{
    private readonly string _path;
    private readonly ConfigLoadOptions? _options;
    private readonly FileChangeWatcher _watcher;
    private readonly object _gate = new();
    private CcrConfig _current;
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
        lock (_gate)
        {
            // Watching starts before the first read, so an edit made while it loads is not missed; a change it reports
            // meanwhile waits on the gate and then compares against the text loaded here.
            _watcher = new FileChangeWatcher(_path, () => Reload(force: false), debounce, pollInterval);
            try
            {
                _lastText = ReadText();
                ConfigLoadResult first = _lastText is null ? ConfigLoader.Load(_path, options) : ConfigLoader.LoadFromText(_lastText, _path, options);
                _current = first.GetConfigOrThrow();
            }
            catch
            {
                _watcher.Dispose();
                throw;
            }
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

        _watcher.Dispose();
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
