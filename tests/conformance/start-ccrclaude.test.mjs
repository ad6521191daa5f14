// The real Claude Code CLI started by Start-CcrClaude in pwsh: the preset route answers, and the session's own
// ANTHROPIC_BASE_URL is the same afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { join, dirname, delimiter } from 'node:path';
import { workFolder, claudeBin, skipReason, modulePath, configPath, proxyPort, pwshCommand, newClaudeHome } from './support.mjs';

const skip = skipReason
  || (claudeBin ? false : 'the Claude Code binary for this platform was not installed (npm optional dependency)')
  || (pwshCommand.length > 0 && modulePath ? false : 'CCR_PWSH and CCR_MODULE_PATH are not set: run through Invoke-Conformance.ps1');

/** A folder holding `claude` and nothing else, so PATH finds the installed CLI under the name users type. */
function claudeFolder() {
  if (process.platform === 'win32') {
    // The npm package ships claude.exe: its own folder is what Start-CcrClaude finds first on Windows.
    return dirname(claudeBin);
  }
  const folder = mkdtempSync(join(workFolder, 'bin-'));
  symlinkSync(claudeBin, join(folder, 'claude'));
  return folder;
}

const quote = (text) => `'${text.replaceAll("'", "''")}'`;

test('Start-CcrClaude -Preset runs the real CLI on the preset route and leaves the session ANTHROPIC_BASE_URL as it was', { skip }, async () => {
  const home = newClaudeHome();
  const cwd = mkdtempSync(join(workFolder, 'cc-start-'));
  const sentinel = 'http://session-value.invalid';
  const script = [
    "$ErrorActionPreference = 'Stop'",
    `Import-Module ${quote(modulePath)}`,
    `$env:ANTHROPIC_BASE_URL = ${quote(sentinel)}`,
    `$code = Start-CcrClaude -Preset claude_preset -ConfigPath ${quote(configPath)} -Port ${proxyPort} -WarningAction SilentlyContinue -- -p 'Say hello.' --output-format json`,
    "Write-Output \"CCR-EXIT:$code\"",
    "Write-Output \"CCR-SESSION-BASE-URL:$env:ANTHROPIC_BASE_URL\"",
    'exit $LASTEXITCODE',
  ].join('\n');
  const env = {
    ...process.env,
    PATH: claudeFolder() + delimiter + process.env.PATH,
    HOME: home,
    USERPROFILE: home,
    TMPDIR: workFolder,
    // Inherited by pwsh; it must not reach claude, or the proxy (which wants its APIKEY) would refuse it.
    ANTHROPIC_API_KEY: 'sk-ant-not-for-claude-0000',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_BUG_COMMAND: '1',
    CLAUDE_CODE_DISABLE_TERMINAL_TITLE: '1',
    NO_COLOR: '1',
  };
  delete env.ANTHROPIC_AUTH_TOKEN;
  const [program, ...leading] = pwshCommand;
  const run = await new Promise((resolve, reject) => {
    const child = spawn(program, [...leading, '-NoProfile', '-NonInteractive', '-Command', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  const lines = run.stdout.split(/\r?\n/);
  const detail = `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`;
  assert.equal(run.code, 0, detail);
  assert.ok(lines.includes('CCR-EXIT:0'), detail);
  assert.ok(lines.includes(`CCR-SESSION-BASE-URL:${sentinel}`), detail);
  const answer = lines.find((line) => line.startsWith('{'));
  assert.ok(answer, detail);
  const result = JSON.parse(answer);
  assert.equal(result.is_error, false, answer);
  assert.equal(result.result, 'Conformance answer from preset-route.');
});
