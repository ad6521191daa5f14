using System.Text;

namespace FakeUpstream;

/// <summary>
/// A 200 event stream of exact pieces, whatever the wire format, each after the first written once the test's gate for it
/// opens: a piece may end inside an event, as a real upstream's socket writes can.
/// </summary>
internal sealed class PacedRawReply : FakeReply
{
    private readonly byte[][] _pieces;
    private readonly Func<int, Task> _beforePiece;

    public PacedRawReply(Func<int, Task> beforePiece, IEnumerable<string> pieces)
    {
        _beforePiece = beforePiece;
        _pieces = pieces.Select(Encoding.UTF8.GetBytes).ToArray();
    }

    internal override async Task WriteAsync(ReplyContext context)
    {
        context.BeginStream(200, "text/event-stream; charset=utf-8", null);
        for (int i = 0; i < _pieces.Length; i++)
        {
            if (i > 0)
            {
                await _beforePiece(i).ConfigureAwait(false);
            }

            await context.WriteSegmentAsync(_pieces[i]).ConfigureAwait(false);
        }

        await context.EndStreamAsync().ConfigureAwait(false);
    }
}
