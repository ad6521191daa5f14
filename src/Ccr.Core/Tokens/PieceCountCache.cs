namespace Ccr.Core.Tokens;

/// <summary>
/// The token count of each short piece seen so far, shared by all threads without locks: a direct-mapped table of 64-bit
/// slots, each holding the high 48 bits of a piece's hash and its count, so one atomic read or write moves a whole entry
/// and a torn pair cannot occur. Fixed at 1 MB; a piece whose slot another piece took is simply counted again.
/// </summary>
internal static class PieceCountCache
{
    private const int SlotBits = 17;
    private const ulong SlotMask = (1UL << SlotBits) - 1;
    private const ulong TagMask = ~0xFFFFUL;
    private const int MaxCount = 0xFFFF;

    private static readonly long[] s_slots = new long[1 << SlotBits];

    /// <summary>The count stored for <paramref name="hash"/> (from <see cref="PieceHash"/>), if its slot still holds it.</summary>
    public static bool TryGet(ulong hash, out int count)
    {
        ulong slot = (ulong)Volatile.Read(ref s_slots[(int)(hash & SlotMask)]);

        // A count is never 0, so an empty slot (0) never matches.
        if (slot != 0 && (slot & TagMask) == (hash & TagMask))
        {
            count = (int)(slot & MaxCount);
            return true;
        }

        count = 0;
        return false;
    }

    /// <summary>Stores a count, replacing whatever piece held the slot.</summary>
    public static void Set(ulong hash, int count)
    {
        if (count is > 0 and <= MaxCount)
        {
            Volatile.Write(ref s_slots[(int)(hash & SlotMask)], (long)((hash & TagMask) | (uint)count));
        }
    }
}
