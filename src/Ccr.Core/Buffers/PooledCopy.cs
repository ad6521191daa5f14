using System.Buffers;

namespace Ccr.Core.Buffers;

/// <summary>
/// A copy of some bytes in a pooled array, returned to the pool on dispose. JsonDocument parses from memory it
/// may keep referring to, so a body that arrives as a span is copied once into one of these rather than into a
/// fresh array per request.
/// </summary>
internal readonly struct PooledCopy : IDisposable
{
    private readonly byte[] _array;
    private readonly int _length;

    private PooledCopy(byte[] array, int length)
    {
        _array = array;
        _length = length;
    }

    public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, _length);

    public static PooledCopy Of(ReadOnlySpan<byte> bytes)
    {
        byte[] array = ArrayPool<byte>.Shared.Rent(Math.Max(1, bytes.Length));
        bytes.CopyTo(array);
        return new PooledCopy(array, bytes.Length);
    }

    public void Dispose() => ArrayPool<byte>.Shared.Return(_array);
}
