using System.Text;
using Ccr.Core.Server.Http;

namespace Ccr.Core.Tests.Server.Http;

public class HttpRequestHeadTests
{
    [Fact]
    public void CommonHeaders_AreSharedStrings_AndUncommonOnesAreReadAsSent()
    {
        const string head = "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:3456\r\nContent-Type: application/json\r\nanthropic-version: 2023-06-01\r\nX-Custom-Thing: Value With Spaces\r\ncontent-length: 2";
        var first = new HttpRequestHead();
        var second = new HttpRequestHead();

        Assert.Equal(HeadError.None, first.Parse(Encoding.ASCII.GetBytes(head)));
        Assert.Equal(HeadError.None, second.Parse(Encoding.ASCII.GetBytes(head)));

        Assert.Same(first.Headers[1].Key, second.Headers[1].Key);
        Assert.Same(first["content-type"], second["content-type"]);
        Assert.Same(first["anthropic-version"], second["anthropic-version"]);
        Assert.Equal("application/json", first["Content-Type"]);
        Assert.Equal("127.0.0.1:3456", first["host"]);
        Assert.Equal(new KeyValuePair<string, string>("X-Custom-Thing", "Value With Spaces"), first.Headers[3]);
        Assert.Equal(2, first.ContentLength);
    }
}
