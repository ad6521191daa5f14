using Ccr.Core.Config;

namespace Ccr.Core.Persistence;

/// <summary>The one place that turns a config's <c>Persistence</c> into its shared state, for the proxy and for readers without one.</summary>
internal static class SharedStateFactory
{
    /// <summary>The shared state <paramref name="config"/> asks for, bound to its providers; local mode shares nothing.</summary>
    public static ISharedState Create(CcrConfig config, TimeProvider time, Action<string> warn, Action<string> info)
    {
        ArgumentNullException.ThrowIfNull(config);
        ISharedState shared = config.Persistence.Mode == PersistenceMode.Redis
            ? new RedisSharedState(config.Persistence, time, warn, info)
            : LocalSharedState.Instance;
        shared.Bind(config);
        return shared;
    }

    /// <summary>
    /// For a reader with no proxy running (Get-CcrUsage): the shared state once its first connection attempt has an outcome,
    /// or after <paramref name="wait"/>; null in local mode or when Redis cannot be used (the caller reads the local store).
    /// The second value then says why.
    /// </summary>
    public static async Task<(ISharedState? Shared, string? Problem)> OpenForReadingAsync(CcrConfig config, TimeSpan wait)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Persistence.Mode != PersistenceMode.Redis)
        {
            return (null, null);
        }

        ISharedState shared = Create(config, TimeProvider.System, static _ => { }, static _ => { });
        try
        {
            await shared.WhenSettledAsync().WaitAsync(wait).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Still connecting: said below like any other failure.
        }

        if (shared.Status.State == PersistenceState.Connected)
        {
            return (shared, null);
        }

        string problem = shared.Status.Describe();
        await shared.DisposeAsync().ConfigureAwait(false);
        return (null, problem);
    }
}
