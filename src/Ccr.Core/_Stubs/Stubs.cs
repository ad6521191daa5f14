// TEMPORARY until the protocol branch's TokenCounter lands.
namespace Ccr.Core.Protocol
{
    internal static class TokenCounter
    {
        public static int CountRequest(ReadOnlySpan<byte> anthropicBody) => Math.Max(1, anthropicBody.Length / 4);

        public static int Estimate(ReadOnlySpan<byte> anthropicBody) => anthropicBody.Length / 4;
    }
}
