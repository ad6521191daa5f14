using System.Text;

namespace Ccr.Core.Config;

/// <summary>
/// The one way Ccr replaces a file that others read (the config, the quota store, the control file) and
/// the one way it reads such a file. A write goes to a temp file beside the target, is flushed to disk and
/// renamed over the target, so a reader sees the old file or the new one, never half of one and never none.
/// </summary>
/// <remarks>
/// Windows is why this is a class and not a call to <see cref="File.Replace(string, string, string?)"/>:
/// <list type="bullet">
/// <item>Renaming over a file fails with a sharing violation while any process holds it open without
/// <c>FILE_SHARE_DELETE</c> (the config watcher, a cmdlet reading it, an antivirus scanning it). Our own
/// readers therefore open with <see cref="FileShare.Delete"/> (<see cref="OpenRead"/>), and the rename is
/// retried briefly, since a scanner lets go within milliseconds.</item>
/// <item><c>ReplaceFile</c> (behind File.Replace) can fail after moving the target to the backup name
/// (ERROR_UNABLE_TO_MOVE_REPLACEMENT_2), leaving no file at the target at all. The backup is therefore a
/// copy taken first, and the swap is one <c>MoveFileEx(REPLACE_EXISTING)</c>: the target always exists.</item>
/// </list>
/// On Unix <c>rename(2)</c> replaces atomically even while the file is open, and nothing is retried.
/// </remarks>
internal static class AtomicFile
{
    /// <summary>How often a Windows sharing violation is retried, and how long apart: half a second in all.</summary>
    internal const int SharingRetries = 10;

    private static readonly TimeSpan s_sharingRetryDelay = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Replaces <paramref name="path"/> with what <paramref name="write"/> puts into the stream. On any failure the
    /// target is left as it was and the temp file is removed; the exception is rethrown.
    /// </summary>
    /// <param name="path">The file to replace (created when missing).</param>
    /// <param name="write">Writes the new content; the stream is flushed to disk afterwards.</param>
    /// <param name="backupPath">Where the previous content is copied first, or null for no backup.</param>
    /// <param name="ownerOnly">
    /// True for files holding secrets: mode 600 on Unix, an ACL granting only the current user on Windows.
    /// False keeps the permissions the target already had (on Windows its ACL, on Unix its mode).
    /// </param>
    public static void Write(string path, Action<Stream> write, string? backupPath = null, bool ownerOnly = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        path = Path.GetFullPath(path);
        string temp = TempPathFor(path);
        try
        {
            using (FileStream stream = CreateTemp(temp, ownerOnly))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            if (!ownerOnly && File.Exists(path))
            {
                CopyPermissions(path, temp);
            }

            if (backupPath is not null && File.Exists(path))
            {
                RetrySharing(() => File.Copy(path, backupPath, overwrite: true));
            }

            RetrySharing(() => File.Move(temp, path, overwrite: true));
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="bytes"/>; see <see cref="Write(string, Action{Stream}, string?, bool)"/>.</summary>
    public static void WriteAllBytes(string path, byte[] bytes, string? backupPath = null, bool ownerOnly = false)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Write(path, stream => stream.Write(bytes), backupPath, ownerOnly);
    }

    /// <summary>
    /// Opens <paramref name="path"/> for reading without standing in a writer's way: read, write and delete
    /// sharing, so a rename over it (ours or an editor's) succeeds while it is open. A Windows sharing violation
    /// (a writer that opened it exclusively) is retried briefly; a missing file throws at once.
    /// </summary>
    public static FileStream OpenRead(string path) =>
        RetrySharing(() => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, FileOptions.SequentialScan));

    /// <summary>Reads the whole file through <see cref="OpenRead"/>.</summary>
    public static byte[] ReadAllBytes(string path)
    {
        using FileStream stream = OpenRead(path);
        using var buffer = new MemoryStream(stream.CanSeek ? (int)Math.Min(stream.Length, int.MaxValue) : 4096);
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>
    /// Reads the whole file as text through <see cref="OpenRead"/>: a byte-order mark (UTF-8, UTF-16 LE/BE,
    /// UTF-32) picks the encoding, as <see cref="File.ReadAllText(string)"/> does; without one it is UTF-8.
    /// </summary>
    public static string ReadAllText(string path)
    {
        using FileStream stream = OpenRead(path);
        using var reader = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// True for the errors that mean "another process has the file open right now": only Windows has them
    /// (ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION, and ACCESS_DENIED for a file pending deletion or held by
    /// a scanner). Unix locks are advisory and never fail an open or a rename.
    /// </summary>
    internal static bool IsSharingViolation(Exception ex)
    {
        if (!OperatingSystem.IsWindows())
        {
            return false;
        }

        if (ex is UnauthorizedAccessException)
        {
            return true;
        }

        if (ex is IOException and not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException))
        {
            int code = ex.HResult & 0xFFFF;
            return code is 32 or 33;
        }

        return false;
    }

    /// <summary>The temp file's name: hidden (leading dot), beside the target so the rename stays on one volume.</summary>
    internal static string TempPathFor(string path) =>
        Path.Combine(Path.GetDirectoryName(path) ?? ".", "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..12] + ".tmp");

    private static T RetrySharing<T>(Func<T> action)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return action();
            }
            catch (Exception ex) when (attempt < SharingRetries && IsSharingViolation(ex))
            {
                Thread.Sleep(s_sharingRetryDelay);
            }
        }
    }

    private static void RetrySharing(Action action) => RetrySharing(() =>
    {
        action();
        return true;
    });

    private static FileStream CreateTemp(string temp, bool ownerOnly)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (ownerOnly)
        {
            if (OperatingSystem.IsWindows())
            {
                return FilePermissions.CreateOwnerOnly(temp);
            }

            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(temp, options);
    }

    private static void CopyPermissions(string from, string to)
    {
        // The config may hold keys and the user may have narrowed its permissions: the new file keeps them.
        // Best effort, like File.Replace's ignoreMetadataErrors: a file system without modes or ACLs still gets the content.
        try
        {
            if (OperatingSystem.IsWindows())
            {
                FilePermissions.CopyAcl(from, to);
            }
            else
            {
                File.SetUnixFileMode(to, File.GetUnixFileMode(from));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PlatformNotSupportedException or InvalidOperationException)
        {
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
