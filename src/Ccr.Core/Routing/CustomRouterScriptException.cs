namespace Ccr.Core.Routing;

/// <summary>A custom router script that cannot be used (it does not parse, or its runspaces did not open); the message says where and why.</summary>
internal sealed class CustomRouterScriptException : Exception
{
    public CustomRouterScriptException(string message)
        : base(message)
    {
    }

    public CustomRouterScriptException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
