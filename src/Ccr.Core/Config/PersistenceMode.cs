namespace Ccr.Core.Config;

/// <summary>Where quota, usage and cooldowns are shared: <c>Persistence.mode</c>.</summary>
internal enum PersistenceMode
{
    /// <summary>The state files in the user's state folder, shared by every Ccr process of this user on this machine (the default).</summary>
    Local,

    /// <summary>A Redis server shared by several machines, on top of the local files.</summary>
    Redis,
}
