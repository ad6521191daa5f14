// Shared settings for the conformance cases; Invoke-Conformance.ps1 sets these for every run.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const proxyUrl = process.env.CCR_PROXY_URL ?? '';
export const apiKey = process.env.CCR_APIKEY ?? '';
export const workFolder = process.env.CCR_WORK ?? '';
export const claudeBin = process.env.CCR_CLAUDE_BIN ?? '';

/** Why a case cannot run here, or false when it can (node's test() takes this as its skip option). */
export const skipReason = proxyUrl
  ? false
  : 'CCR_PROXY_URL is not set: run through tests/conformance/Invoke-Conformance.ps1 (build.ps1 -Task Test)';

/** The route a model name asks the proxy for, "provider,model" as Claude Code Router spells it. */
export const route = (provider, model) => `${provider},${model}`;

export const toolResultPrefix = 'The tool said: ';

// For Start-CcrClaude: the module, the served config and port, and how to start pwsh (a JSON list: program, then arguments).
export const modulePath = process.env.CCR_MODULE_PATH ?? '';
export const configPath = process.env.CCR_CONFIG_PATH ?? '';
export const proxyPort = process.env.CCR_PROXY_PORT ?? '';
export const pwshCommand = process.env.CCR_PWSH ? JSON.parse(process.env.CCR_PWSH) : [];

/**
 * A home folder of its own for a Claude Code run, so the user's real ~/.claude is never read or written. Onboarding
 * and the API-key approval prompt would wait for a keypress; they are marked done.
 */
export function newClaudeHome() {
  const home = mkdtempSync(join(workFolder, 'home-'));
  mkdirSync(join(home, '.claude'), { recursive: true });
  writeFileSync(join(home, '.claude.json'), JSON.stringify({
    hasCompletedOnboarding: true,
    bypassPermissionsModeAccepted: false,
    customApiKeyResponses: { approved: [apiKey.slice(-20)], rejected: [] },
  }));
  writeFileSync(join(home, '.claude', 'settings.json'), JSON.stringify({ env: {} }));
  return home;
}
