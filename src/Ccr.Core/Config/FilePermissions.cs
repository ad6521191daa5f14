namespace Ccr.Core.Config;

/// <summary>Unix permission checks for files that may hold secrets. Windows ACLs are left to the user profile's defaults.</summary>
internal static class FilePermissions
{
    private const UnixFileMode GroupOrOtherRead = UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>The file's octal mode (e.g. <c>644</c>) when group or others may read it; null when private, missing, or on Windows.</summary>
    public static string? ReadableByOthers(string? path)
    {
        if (path is null || OperatingSystem.IsWindows() || !File.Exists(path))
        {
            return null;
        }

        UnixFileMode mode;
        try
        {
            mode = File.GetUnixFileMode(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return (mode & GroupOrOtherRead) == 0 ? null : Convert.ToString((int)mode & 0x1FF, 8).PadLeft(3, '0');
    }
}
