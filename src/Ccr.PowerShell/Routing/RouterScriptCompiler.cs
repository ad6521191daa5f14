using System.Globalization;
using System.Management.Automation.Language;
using System.Text;
using Ccr.Core.Routing;

namespace Ccr.PowerShell.Routing;

/// <summary>
/// Turns a router script's text into an <see cref="ICustomRouterScript"/>: parsed once here (so a script that does not parse is
/// refused with its line and column before any runspace opens), then defined as a function in each runspace of its own pool.
/// This is the compiler the PowerShell module hands to every proxy it starts (CcrProxyOptions.CustomRouterCompiler).
/// </summary>
internal static class RouterScriptCompiler
{
    /// <summary>Parses <paramref name="scriptText"/> and starts opening its runspaces; <see cref="ICustomRouterScript.Ready"/> tells when they are.</summary>
    /// <exception cref="CustomRouterScriptException">The text does not parse or uses what a router runspace cannot give it.</exception>
    public static ICustomRouterScript Compile(string scriptText, string sourceName)
    {
        ScriptBlockAst ast = Parser.ParseInput(scriptText, out _, out ParseError[] errors);
        if (errors.Length > 0)
        {
            var message = new StringBuilder("The router script (").Append(sourceName).Append(") does not parse:");
            foreach (ParseError error in errors)
            {
                message.Append(' ').Append(string.Create(CultureInfo.InvariantCulture,
                    $"line {error.Extent.StartLineNumber}, column {error.Extent.StartColumnNumber}: {error.Message}"));
            }

            throw new CustomRouterScriptException(message.ToString());
        }

        if (ast.UsingStatements.Count > 0)
        {
            throw new CustomRouterScriptException("The router script (" + sourceName + ") starts with a using statement, which a router script cannot have (it runs as a function). Write full type names ([System.IO.Path]) instead.");
        }

        // $using: reaches into a caller's session; a router runs in its own runspace, where there is none to reach.
        if (ast.Find(static node => node is UsingExpressionAst, searchNestedScriptBlocks: true) is { } usingExpression)
        {
            throw new CustomRouterScriptException(string.Create(CultureInfo.InvariantCulture,
                $"The router script ({sourceName}) uses {usingExpression.Extent.Text} at line {usingExpression.Extent.StartLineNumber}: $using: is not available, because the router runs in its own runspace without this session's variables. Write the value into the script, or read it from a file or an environment variable."));
        }

        return new RouterRunspacePool(scriptText, sourceName, RouterRunspacePool.DefaultSize);
    }
}
