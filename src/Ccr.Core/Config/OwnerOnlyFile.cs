using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Principal;

namespace Ccr.Core.Config;

/// <summary>
/// Writes files that hold secrets (the <c>.env</c> with provider keys) so that only the current user can read
/// them, from the first byte: the temp file is created private, filled, flushed, then renamed over the target.
/// </summary>
public static class OwnerOnlyFile
{
    /// <summary>Replaces <paramref name="path"/> with <paramref name="bytes"/>, readable and writable by the current user only.</summary>
    /// <param name="path">The file to write (its folder must exist).</param>
    /// <param name="bytes">The whole new content.</param>
    public static void Write(string path, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(bytes);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? ".";
        string temp = Path.Combine(folder, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..12] + ".tmp");
        try
        {
            using (FileStream stream = CreatePrivate(temp))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static FileStream CreatePrivate(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            // Windows has no mode bits: a file inherits its folder's ACL, which outside the profile (CCR_HOME on
            // another drive) often lets Users read it. An explicit, non-inherited ACL for the current user only.
            return CreateWithOwnerOnlyAcl(path);
        }

        // Unix: 600 at creation (the umask can only remove bits), so no moment where others could open it.
        return new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
    }

    [SupportedOSPlatform("windows")]
    private static FileStream CreateWithOwnerOnlyAcl(string path)
    {
        SecurityIdentifier user = WindowsIdentity.GetCurrent().User
            ?? throw new InvalidOperationException("The current Windows user has no security identifier.");
        var security = new FileSecurity();
        security.SetOwner(user);
        security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
        security.AddAccessRule(new FileSystemAccessRule(user, FileSystemRights.FullControl, AccessControlType.Allow));
        return new FileInfo(path).Create(FileMode.CreateNew, FileSystemRights.FullControl, FileShare.None, 4096, FileOptions.None, security);
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
