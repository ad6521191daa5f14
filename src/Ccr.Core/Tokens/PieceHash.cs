using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ccr.Core.Tokens;

/// <summary>A fast 64-bit hash of a short piece of text (a word, a run of punctuation), for <see cref="TokenCounter"/>'s piece cache.</summary>
internal static class PieceHash
{
    private const ulong Seed = 0x9E3779B97F4A7C15;
    private const ulong Multiplier = 0xFF51AFD7ED558CCD;

    /// <summary>Mixes the chars four at a time, then the length, then a final avalanche so the low bits a dictionary uses are well spread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ulong Of(ReadOnlySpan<char> text)
    {
        ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(text);
        ulong hash = Seed ^ (ulong)bytes.Length;
        while (bytes.Length >= 8)
        {
            hash = (BitRotate(hash) ^ BinaryPrimitives.ReadUInt64LittleEndian(bytes)) * Multiplier;
            bytes = bytes[8..];
        }

        if (bytes.Length >= 4)
        {
            hash = (BitRotate(hash) ^ BinaryPrimitives.ReadUInt32LittleEndian(bytes)) * Multiplier;
            bytes = bytes[4..];
        }

        if (bytes.Length >= 2)
        {
            hash = (BitRotate(hash) ^ BinaryPrimitives.ReadUInt16LittleEndian(bytes)) * Multiplier;
        }

        hash ^= hash >> 33;
        hash *= 0xC4CEB9FE1A85EC53;
        hash ^= hash >> 33;
        return hash;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong BitRotate(ulong value) => System.Numerics.BitOperations.RotateLeft(value, 29);
}
