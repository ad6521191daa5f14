// Shared settings for the conformance cases; Invoke-Conformance.ps1 sets these for every run.
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
