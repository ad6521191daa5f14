namespace Ccr.Core.ClaudeCode;

/// <summary>
/// How to start the Claude Code CLI found on PATH: the program to run and the arguments that go before the user's
/// (on Windows an npm install is run as <c>node &lt;cli.js&gt;</c>, so the program is node and its first argument the script).
/// </summary>
/// <param name="FileName">The program to start.</param>
/// <param name="LeadingArguments">Arguments before the user's (empty for a native binary or a Unix shim).</param>
/// <param name="FoundAt">The file on PATH that was resolved, for messages.</param>
/// <param name="ViaCommandShell">True when only a .cmd/.bat was found that could not be resolved, so cmd.exe parses the arguments.</param>
public sealed record ClaudeExecutable(string FileName, IReadOnlyList<string> LeadingArguments, string FoundAt, bool ViaCommandShell);
