using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Ccr.Core.Server;

/// <summary>The few OS calls .NET does not expose, each used by exactly one platform branch (see <see cref="DetachedLauncher"/>).</summary>
internal static class NativeMethods
{
    public const uint CreateNewProcessGroup = 0x00000200;
    public const uint CreateBreakawayFromJob = 0x01000000;
    public const uint CreateNoWindow = 0x08000000;
    public const int ErrorAccessDenied = 5;

    /// <summary>libc's setsid(2): a new session and process group with this process as leader, no controlling terminal. "libc" resolves on Linux (libc.so.6) and macOS (libSystem).</summary>
    [DllImport("libc", SetLastError = true)]
    public static extern int setsid();

    [SupportedOSPlatform("windows")]
    public static bool TryCreateProcess(string commandLine, string? workingDirectory, uint flags, out ProcessInformation info, out int error)
    {
        var startup = new StartupInfo { Size = Marshal.SizeOf<StartupInfo>() };

        // CreateProcessW may write into the command line buffer, so it gets a private, terminated copy.
        char[] buffer = (commandLine + "\0").ToCharArray();
        bool created = CreateProcessW(null, buffer, IntPtr.Zero, IntPtr.Zero, inheritHandles: false, flags, IntPtr.Zero, string.IsNullOrEmpty(workingDirectory) ? null : workingDirectory, ref startup, out info);
        error = created ? 0 : Marshal.GetLastPInvokeError();
        return created;
    }

    [DllImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static extern bool CloseHandle(IntPtr handle);

    [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static extern bool CreateProcessW(
        string? applicationName,
        [In, Out] char[] commandLine,
        IntPtr processAttributes,
        IntPtr threadAttributes,
        [MarshalAs(UnmanagedType.Bool)] bool inheritHandles,
        uint creationFlags,
        IntPtr environment,
        string? currentDirectory,
        ref StartupInfo startupInfo,
        out ProcessInformation processInformation);

    [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
    public struct StartupInfo
    {
        public int Size;
        public IntPtr Reserved;
        public IntPtr Desktop;
        public IntPtr Title;
        public int X;
        public int Y;
        public int XSize;
        public int YSize;
        public int XCountChars;
        public int YCountChars;
        public int FillAttribute;
        public int Flags;
        public short ShowWindow;
        public short Reserved2Size;
        public IntPtr Reserved2;
        public IntPtr StdInput;
        public IntPtr StdOutput;
        public IntPtr StdError;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct ProcessInformation
    {
        public IntPtr Process;
        public IntPtr Thread;
        public int ProcessId;
        public int ThreadId;
    }
}
