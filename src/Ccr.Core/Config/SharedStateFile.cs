using System.Globalization;
using System.Text.Json;

namespace Ccr.Core.Config;

/// <summary>
/// A state file that every Ccr process of the user shares (the quota store, the usage store). Updates take an
/// exclusive lock file, re-read the file inside the lock, apply the caller's merge and write atomically
/// (<see cref="AtomicFile"/>), so concurrent processes add their counts up instead of overwriting each other; reads
/// take no lock, since a writer only ever renames a whole file into place. A file that cannot be parsed is moved
/// aside and rebuilt, never fatal.
/// </summary>
/// <typeparam name="T">The parsed content.</typeparam>
internal sealed class SharedStateFile<T>
    where T : class
{
    private static readonly TimeSpan s_lockTimeout = TimeSpan.FromSeconds(5);

    private readonly string _lockPath;
    private readonly string _what;
    private readonly Func<byte[], T> _parse;
    private readonly Action<Utf8JsonWriter, T> _write;
    private readonly Func<T> _empty;
    private readonly JsonWriterOptions _writerOptions;
    private readonly Action<string>? _warning;

    /// <param name="path">The file.</param>
    /// <param name="what">What the file is, for the warning about a corrupt one ("quota store").</param>
    /// <param name="parse">Reads the file's bytes; throws on a file it cannot read.</param>
    /// <param name="write">Writes the whole content.</param>
    /// <param name="empty">The content of a file that does not exist yet.</param>
    /// <param name="writerOptions">How the JSON is laid out.</param>
    /// <param name="warning">Receives what is worth telling the user (a corrupt file moved aside).</param>
    public SharedStateFile(string path, string what, Func<byte[], T> parse, Action<Utf8JsonWriter, T> write, Func<T> empty, JsonWriterOptions writerOptions, Action<string>? warning)
    {
        FilePath = Path.GetFullPath(path);
        _lockPath = FilePath + ".lock";
        _what = what;
        _parse = parse;
        _write = write;
        _empty = empty;
        _writerOptions = writerOptions;
        _warning = warning;
    }

    /// <summary>The file.</summary>
    public string FilePath { get; }

    /// <summary>Reads the file without the lock; null when it is corrupt (the next <see cref="Update"/> moves it aside).</summary>
    public T? TryRead()
    {
        try
        {
            return File.Exists(FilePath) ? _parse(AtomicFile.ReadAllBytes(FilePath)) : _empty();
        }
        catch (Exception ex) when (IsUnreadable(ex) || ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Under the lock: reads the file (a corrupt one is moved aside and rebuilt from <paramref name="rebuildFrom"/>),
    /// lets <paramref name="merge"/> change it, writes it back, and returns what was written. Throws
    /// <see cref="IOException"/> when the lock cannot be had in time; the caller keeps its counts and tries later.
    /// </summary>
    /// <param name="merge">Changes the content read.</param>
    /// <param name="rebuildFrom">The content to start from when the file was corrupt.</param>
    /// <param name="rebuilt">How the warning says what happens next ("it was rebuilt from this process's counts").</param>
    public T Update(Action<T> merge, Func<T> rebuildFrom, string rebuilt)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        using FileStream lockHandle = AcquireLock();

        T content;
        if (!File.Exists(FilePath))
        {
            content = _empty();
        }
        else
        {
            byte[] bytes = AtomicFile.ReadAllBytes(FilePath);
            try
            {
                content = _parse(bytes);
            }
            catch (Exception ex) when (IsUnreadable(ex))
            {
                string aside = FilePath + ".corrupt-" + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
                File.Move(FilePath, aside, overwrite: true);
                _warning?.Invoke($"The {_what} '{FilePath}' could not be read ({ex.Message}); it was moved to '{aside}' and {rebuilt}. Nothing needs fixing.");
                content = rebuildFrom();
            }
        }

        merge(content);
        AtomicFile.Write(FilePath, stream =>
        {
            using var writer = new Utf8JsonWriter(stream, _writerOptions);
            _write(writer, content);
        });
        return content;
    }

    private static bool IsUnreadable(Exception ex) =>
        ex is JsonException or FormatException or InvalidOperationException or OverflowException or ArgumentException or KeyNotFoundException or IndexOutOfRangeException;

    private FileStream AcquireLock()
    {
        long deadline = Environment.TickCount64 + (long)s_lockTimeout.TotalMilliseconds;
        int delay = 5;
        while (true)
        {
            try
            {
                return new FileStream(_lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (Exception ex) when ((ex is IOException or UnauthorizedAccessException) && Environment.TickCount64 < deadline)
            {
                // Another process holds it (Windows also reports a lock file being replaced as an access error at times).
                Thread.Sleep(delay);
                delay = Math.Min(delay * 2, 100);
            }
        }
    }
}
