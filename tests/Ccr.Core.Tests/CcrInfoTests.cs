using Ccr.Core;

namespace Ccr.Core.Tests;

public class CcrInfoTests
{
    [Fact]
    public void Version_IsTheBuildVersion()
    {
        Assert.Equal("0.1.0", CcrInfo.Version);
    }
}
