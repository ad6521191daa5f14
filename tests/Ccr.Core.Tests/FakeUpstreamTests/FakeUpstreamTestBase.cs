using FakeUpstream;
using static Ccr.Core.Tests.FakeUpstreamTests.UpstreamClient;

namespace Ccr.Core.Tests.FakeUpstreamTests;

/// <summary>One fake upstream and one client per test, disposed after it (xunit makes a new instance per test).</summary>
public abstract class FakeUpstreamTestBase : IAsyncLifetime
{
    protected FakeUpstreamServer Server { get; } = FakeUpstreamServer.Start();

    protected HttpClient Client { get; } = NewClient();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
