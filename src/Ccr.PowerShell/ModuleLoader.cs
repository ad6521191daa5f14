using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace Ccr.PowerShell;

/// <summary>
/// Loads Ccr.Core and its third-party dependencies into the module's own
/// <see cref="AssemblyLoadContext"/>, so another module that ships a different version of the
/// same library never clashes with ours. Only Ccr.Core is resolved from the default context;
/// everything it needs is then found by <see cref="CcrLoadContext"/>.
/// </summary>
public sealed class ModuleLoader : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly string s_dependencyFolder = Path.Combine(
        Path.GetDirectoryName(typeof(ModuleLoader).Assembly.Location) ?? AppContext.BaseDirectory,
        "dependencies");

    private static readonly CcrLoadContext s_loadContext = new(s_dependencyFolder);

    /// <summary>Hooks the resolver when PowerShell imports the module.</summary>
    public void OnImport()
    {
        AssemblyLoadContext.Default.Resolving += ResolveCcrCore;
    }

    /// <summary>Stops in-session proxies and unhooks the resolver when the module is removed.</summary>
    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        ModuleLifetime.RunCleanup();
        AssemblyLoadContext.Default.Resolving -= ResolveCcrCore;
    }

    private static Assembly? ResolveCcrCore(AssemblyLoadContext defaultContext, AssemblyName name)
    {
        // Only the engine is handed over; its own dependencies resolve inside our context.
        if (!string.Equals(name.Name, "Ccr.Core", StringComparison.Ordinal))
        {
            return null;
        }

        return s_loadContext.LoadFromAssemblyName(name);
    }

    private sealed class CcrLoadContext : AssemblyLoadContext
    {
        private readonly string _folder;

        public CcrLoadContext(string folder)
            : base("Ccr", isCollectible: false)
        {
            _folder = folder;
        }

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            string path = Path.Combine(_folder, assemblyName.Name + ".dll");
            // Anything we do not ship (the BCL) comes from the default context.
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}

/// <summary>Work to run when the module is removed or the session ends (stopping in-session proxies).</summary>
public static class ModuleLifetime
{
    private static readonly List<Action> s_cleanups = new();

    /// <summary>Registers an action to run once on module removal or process exit.</summary>
    public static void Register(Action cleanup)
    {
        lock (s_cleanups)
        {
            s_cleanups.Add(cleanup);
        }
    }

    /// <summary>Runs and forgets every registered action; errors are swallowed so removal always completes.</summary>
    public static void RunCleanup()
    {
        Action[] actions;
        lock (s_cleanups)
        {
            actions = s_cleanups.ToArray();
            s_cleanups.Clear();
        }

        foreach (Action action in actions)
        {
            try
            {
                action();
            }
#pragma warning disable CA1031 // Removal must complete whatever one cleanup throws.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }
}
