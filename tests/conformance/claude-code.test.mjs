// The real Claude Code CLI, non-interactive, against the proxy: a routed answer and a tool round trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { proxyUrl, apiKey, workFolder, claudeBin, skipReason, toolResultPrefix, newClaudeHome } from './support.mjs';

const skip = skipReason || (claudeBin ? false : 'the Claude Code binary for this platform was not installed (npm optional dependency)');

/** Runs `claude -p` with a deadline; resolves with its exit code and output, whatever the code. */
function runClaude(args, cwd, baseUrl = proxyUrl, timeoutMs = 90_000) {
  const home = newClaudeHome();
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    USERPROFILE: home,
    TMPDIR: workFolder,
    ANTHROPIC_BASE_URL: baseUrl,
    ANTHROPIC_AUTH_TOKEN: apiKey,
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_BUG_COMMAND: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    CLAUDE_CODE_DISABLE_TERMINAL_TITLE: '1',
    NO_COLOR: '1',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(claudeBin, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`claude did not finish within ${timeoutMs} ms.\nstdout: ${stdout}\nstderr: ${stderr}`)); }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

function parseResult(run) {
  assert.equal(run.code, 0, `claude exited ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  const result = JSON.parse(run.stdout);
  assert.equal(result.is_error, false, run.stdout);
  return result;
}

test('claude -p gets a routed answer through the proxy', { skip }, async () => {
  const cwd = mkdtempSync(join(workFolder, 'cc-answer-'));
  // No --model: Claude Code asks for one of its own models and the proxy's Router.default routes it.
  const run = await runClaude(['-p', 'Say hello.', '--output-format', 'json'], cwd);
  const result = parseResult(run);
  assert.equal(result.result, 'Conformance answer from conformance-default.');
});

test('claude -p tool round trip: the upstream asks for Bash, Claude Code runs it, the answer quotes its output', { skip }, async () => {
  const cwd = mkdtempSync(join(workFolder, 'cc-tool-'));
  const secret = `secret-${randomUUID()}`;
  writeFileSync(join(cwd, 'secret.txt'), secret);
  const prompt = 'Show me the secret file.\ntool-args: {"command":"cat secret.txt","description":"Print the secret file"}';
  // The preset path routes every request of this session to the tool-then-answer upstream model.
  const run = await runClaude(['-p', prompt, '--output-format', 'json', '--allowedTools', 'Bash(cat:*)', '--max-turns', '4'],
    cwd, `${proxyUrl}/preset/tools`);
  const result = parseResult(run);
  // Only the tool's output could have put the secret into the answer: the prompt never contains it.
  assert.equal(result.result, `${toolResultPrefix}${secret}`);
  assert.ok(result.num_turns >= 2, run.stdout);
});

test('claude -p through a model that goes silent between tokens: Ccr pings the stream and Claude Code takes the whole answer', { skip }, async () => {
  const cwd = mkdtempSync(join(workFolder, 'cc-thinker-'));
  const run = await runClaude(['-p', 'Take your time.', '--output-format', 'json'], cwd, `${proxyUrl}/preset/thinker`);
  const result = parseResult(run);
  assert.equal(result.result, 'tick.tick.');
});
