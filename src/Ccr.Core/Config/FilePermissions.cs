using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Principal;

namespace Ccr.Core.Config;

/// <summary>
/// Who may read files that hold secrets (the config with literal keys, <c>.env</c>, the control token).
/// Unix answers with the file mode. Windows answers with the ACL: a file under the user profile inherits an
/// owner-only ACL, but with <c>CCR_HOME</c> or a config elsewhere (C:\tools, a shared drive) it inherits the
/// folder's, which commonly grants BUILTIN\Users or Authenticated Users read access.
/// </summary>
internal static class FilePermissions
{
    private const UnixFileMode GroupOrOtherRead = UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>
    /// How others can read the file, for a message (Unix: <c>mode 644</c>; Windows: <c>readable by Everyone, Users</c>);
    /// null when private, missing or unreadable.
    /// </summary>
    public static string? ReadableByOthers(string? path)
    {
        if (path is null || !File.Exists(path))
        {
            return null;
        }

        try
        {
            if (OperatingSystem.IsWindows())
            {
                return WindowsReaders(path);
            }

            UnixFileMode mode = File.GetUnixFileMode(path);
            return (mode & GroupOrOtherRead) == 0 ? null : "mode " + Convert.ToString((int)mode & 0x1FF, 8).PadLeft(3, '0');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or PlatformNotSupportedException)
        {
            return null;
        }
    }

    /// <summary>The command that makes <paramref name="path"/> private on this OS, for a message.</summary>
    public static string MakePrivateHint(string path) => OperatingSystem.IsWindows()
        ? $"Run: icacls \"{path}\" /inheritance:r /grant:r \"%USERNAME%:F\""
        : $"Run: chmod 600 '{path}'";

    /// <summary>Creates <paramref name="path"/> (which must not exist) with an ACL that grants only the current user, not inherited from the folder.</summary>
    [SupportedOSPlatform("windows")]
    public static FileStream CreateOwnerOnly(string path)
    {
        SecurityIdentifier user = WindowsIdentity.GetCurrent().User ?? throw new InvalidOperationException("The current Windows user has no SID.");
        var security = new FileSecurity();
        security.SetOwner(user);

        // Protected: the folder's inheritable entries (Users, Authenticated Users) are not merged in.
        security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
        security.AddAccessRule(new FileSystemAccessRule(user, FileSystemRights.FullControl, AccessControlType.Allow));
        return new FileInfo(path).Create(FileMode.CreateNew, FileSystemRights.Write | FileSystemRights.ReadData | FileSystemRights.Synchronize, FileShare.None, 4096, FileOptions.None, security);
    }

    /// <summary>Gives <paramref name="to"/> the explicit and protected entries of <paramref name="from"/>'s ACL (what File.Replace would have kept).</summary>
    [SupportedOSPlatform("windows")]
    public static void CopyAcl(string from, string to)
    {
        FileSecurity source = new FileInfo(from).GetAccessControl(AccessControlSections.Access);
        new FileInfo(to).SetAccessControl(source);
    }

    [SupportedOSPlatform("windows")]
    private static string? WindowsReaders(string path)
    {
        FileSecurity security = new FileInfo(path).GetAccessControl(AccessControlSections.Access);
        var readers = new List<string>();
        foreach (FileSystemAccessRule rule in security.GetAccessRules(includeExplicit: true, includeInherited: true, typeof(SecurityIdentifier)))
        {
            if (rule.AccessControlType != AccessControlType.Allow || (rule.FileSystemRights & FileSystemRights.ReadData) == 0 || rule.IdentityReference is not SecurityIdentifier sid)
            {
                continue;
            }

            string? name = BroadGroupName(sid);
            if (name is not null && !readers.Contains(name))
            {
                readers.Add(name);
            }
        }

        return readers.Count == 0 ? null : "readable by " + string.Join(", ", readers);
    }

    /// <summary>The groups that mean "other people on this machine" (not SYSTEM or Administrators, who can read anything anyway).</summary>
    [SupportedOSPlatform("windows")]
    private static string? BroadGroupName(SecurityIdentifier sid)
    {
        if (sid.IsWellKnown(WellKnownSidType.WorldSid))
        {
            return "Everyone";
        }

        if (sid.IsWellKnown(WellKnownSidType.BuiltinUsersSid))
        {
            return "Users";
        }

        if (sid.IsWellKnown(WellKnownSidType.AuthenticatedUserSid))
        {
            return "Authenticated Users";
        }

        return sid.IsWellKnown(WellKnownSidType.AnonymousSid) ? "Anonymous" : null;
    }
}
