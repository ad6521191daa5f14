namespace Ccr.Core.Tests.TestSupport;

/// <summary>
/// A test that needs a real redis-server. Outside CI it is skipped, with the way to install it, when redis-server is not
/// on PATH; under CI (<c>CI=true</c>, where .ci/run installs it) it runs anyway and fails loudly if the server is missing.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute()
    {
        if (RedisServer.FindExecutable() is null && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = "redis-server is not on PATH; install it (Debian/Ubuntu: apt-get install redis-server, macOS: brew install redis) to run the shared-state tests.";
        }
    }
}
