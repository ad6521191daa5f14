using System.Text;
using Ccr.Core.Protocol;
using Ccr.Core.Tokens;

namespace Ccr.Core.Tests.Tokens;

/// <summary>The lock-free piece cache: an entry is found only by its own hash, and a slot holds one entry at a time.</summary>
public class PieceCountCacheTests
{
    // High tag bits no real piece hash is likely to share (2^-48), so these entries cannot disturb other tests' counts.
    private const ulong Tag = 0x5A17_C0DE_0000_0000;

    [Fact]
    public void StoredCount_IsFoundByItsHash()
    {
        ulong hash = Tag | 0x1_2345;
        PieceCountCache.Set(hash, 7);
        Assert.True(PieceCountCache.TryGet(hash, out int count));
        Assert.Equal(7, count);
    }

    [Fact]
    public void AnotherHashInTheSameSlot_ReplacesTheEntry_AndIsNotMistakenForIt()
    {
        ulong first = Tag | 0x1_0001;
        ulong second = (Tag ^ 0x0100_0000_0000_0000) | 0x1_0001;
        PieceCountCache.Set(first, 3);
        Assert.False(PieceCountCache.TryGet(second, out _));
        PieceCountCache.Set(second, 4);
        Assert.False(PieceCountCache.TryGet(first, out _));
        Assert.True(PieceCountCache.TryGet(second, out int count));
        Assert.Equal(4, count);
    }

    [Fact]
    public void ACountOfZero_IsNotStored()
    {
        ulong hash = Tag | 0x1_0777;
        PieceCountCache.Set(hash, 0);
        Assert.False(PieceCountCache.TryGet(hash, out _));
    }

    [Fact]
    public async Task CountsFromManyThreadsAtOnce_AgreeWithTheTokenizer()
    {
        string[] texts = Enumerable.Range(0, 8).Select(Text).ToArray();
        long[] expected = texts.Select(t => (long)TokenCounter.Tokenizer.CountTokens(t)).ToArray();
        long[][] results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => texts.Select(t => TokenCounter.CountText(t)).ToArray())));
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    private static string Text(int seed)
    {
        var random = new Random(seed);
        var builder = new StringBuilder();
        while (builder.Length < 8_000)
        {
            builder.Append("w").Append(random.Next(2_000)).Append(random.Next(3) == 0 ? "Xy, " : " ");
        }

        return builder.ToString();
    }
}
