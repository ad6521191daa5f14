using System.Runtime.InteropServices;
using System.Security;

namespace Ccr.PowerShell.Commands;

/// <summary>Turns a <c>-ApiKey</c> SecureString into the text written to <c>.env</c>, the one place a key is kept.</summary>
internal static class SecureStrings
{
    public static string ToPlainText(SecureString value)
    {
        IntPtr pointer = Marshal.SecureStringToGlobalAllocUnicode(value);
        try
        {
            return Marshal.PtrToStringUni(pointer) ?? "";
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(pointer);
        }
    }
}
