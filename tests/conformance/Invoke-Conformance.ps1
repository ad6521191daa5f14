#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the real clients (Claude Code CLI, Anthropic SDK, OpenAI SDK) against a Ccr proxy started the
    way a user starts it, with the fake upstream (conformance mode) as its only provider.
.DESCRIPTION
    Installs the pinned npm packages into tests/conformance/node_modules (kept between runs while
    package-lock.json is unchanged), starts the fake upstream and Start-CcrProxy in this process, runs
    `node --test` over *.test.mjs and writes {Passed, Failed, Skipped} to -SummaryPath.
    Where node, npm or the packages cannot be had, every case is counted as skipped with the reason.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $FakeUpstreamPath,
    [Parameter(Mandatory)] [string] $SummaryPath,
    [string] $Filter,
    [int] $InstallTimeoutSeconds = 240,
    [int] $RunTimeoutSeconds = 300
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$here = $PSScriptRoot
$ModulePath = (Resolve-Path $ModulePath).Path
$FakeUpstreamPath = (Resolve-Path $FakeUpstreamPath).Path
$SummaryPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($SummaryPath)
$testFiles = @(Get-ChildItem -Path $here -Filter '*.test.mjs' -File | Sort-Object Name)
$junitPath = [IO.Path]::ChangeExtension($SummaryPath, '.xml')

function Write-Summary([int] $Passed, [int] $Failed, [int] $Skipped) {
    [pscustomobject]@{ Passed = $Passed; Failed = $Failed; Skipped = $Skipped } |
        ConvertTo-Json | Set-Content -Path $SummaryPath -Encoding utf8
}

function Get-CaseName {
    # The cases as written, so that a machine without node still reports each one as skipped.
    foreach ($file in $testFiles) {
        foreach ($m in [regex]::Matches((Get-Content -Raw $file.FullName), "(?m)^\s*test\(\s*'([^']+)'")) {
            "$($file.BaseName): $($m.Groups[1].Value)"
        }
    }
}

function Skip-All([string] $Reason) {
    $names = @(Get-CaseName)
    foreach ($name in $names) { Write-Host "  SKIPPED: $name ($Reason)" -ForegroundColor Yellow }
    Write-Summary 0 0 $names.Count
}

function Invoke-Bounded {
    # Runs a native command with a deadline; returns its exit code (or -1 when it had to be killed).
    param([string] $File, [string[]] $Arguments, [string] $WorkingDirectory, [int] $TimeoutSeconds, [hashtable] $Environment = @{})
    $psi = [Diagnostics.ProcessStartInfo]::new($File)
    foreach ($a in $Arguments) { $psi.ArgumentList.Add($a) }
    $psi.WorkingDirectory = $WorkingDirectory
    $psi.UseShellExecute = $false
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
    $p = [Diagnostics.Process]::Start($psi)
    if (-not $p.WaitForExit($TimeoutSeconds * 1000)) {
        Write-Host "'$File' did not finish within $TimeoutSeconds s; stopping it." -ForegroundColor Red
        $p.Kill($true)
        $p.WaitForExit()
        return -1
    }
    $p.WaitForExit()
    return $p.ExitCode
}

function Install-Packages {
    # Reinstall only when the lock file changed since the last install (npm writes its own copy).
    $marker = Join-Path $here 'node_modules/.package-lock.json'
    $bin = Join-Path $here 'node_modules/.bin'
    if ((Test-Path -LiteralPath $marker) -and (Test-Path $bin) -and
        (Get-Item -Force $marker).LastWriteTimeUtc -ge (Get-Item (Join-Path $here 'package-lock.json')).LastWriteTimeUtc) {
        return $null
    }
    $npm = (Get-Command npm -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source
    Write-Host 'Installing the conformance clients (npm ci)...'
    $code = Invoke-Bounded -File $npm -Arguments @('ci', '--no-audit', '--no-fund', '--loglevel=error') -WorkingDirectory $here -TimeoutSeconds $InstallTimeoutSeconds
    if ($code -ne 0) { return "npm ci failed (exit $code); the npm registry may be out of reach" }
    return $null
}

function Get-FreePort {
    $l = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $l.Start()
    try { return ([Net.IPEndPoint] $l.LocalEndpoint).Port } finally { $l.Stop() }
}

function Read-JunitCounts([string] $Path) {
    [xml] $doc = Get-Content -Raw $Path
    $passed = 0; $failed = 0; $skipped = 0
    foreach ($case in $doc.SelectNodes('//testcase')) {
        if ($case.SelectSingleNode('failure') -or $case.SelectSingleNode('error')) {
            $failed++
            Write-Host "  FAILED: $($case.classname) $($case.name)" -ForegroundColor Red
        }
        elseif ($case.SelectSingleNode('skipped')) { $skipped++ }
        else { $passed++ }
    }
    [pscustomobject]@{ Passed = $passed; Failed = $failed; Skipped = $skipped }
}

if (Test-Path $SummaryPath) { Remove-Item $SummaryPath }
if (Test-Path $junitPath) { Remove-Item $junitPath }

$node = Get-Command node -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
$npmCmd = Get-Command npm -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
if (-not $node -or -not $npmCmd) { Skip-All 'node and npm are not on PATH'; return }
$nodeVersion = [version] ((& $node.Source --version).TrimStart('v'))
if ($nodeVersion -lt [version] '20.13') { Skip-All "node $nodeVersion is older than 20.13 (node --test junit reporter)"; return }
$installError = Install-Packages
if ($installError) { Skip-All $installError; return }

$port = $null
$work = Join-Path ([IO.Path]::GetTempPath()) ('ccr-conformance-' + [guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Force -Path $work | Out-Null
$fake = $null
$apiKey = 'ccr-conformance-key'
try {
    # The fake upstream: its stdin stays open for as long as this script runs; closing it stops the fake.
    $psi = [Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($FakeUpstreamPath, '--port', '0', '--mode', 'conformance')) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $fake = [Diagnostics.Process]::Start($psi)
    $read = $fake.StandardOutput.ReadLineAsync()
    if (-not $read.Wait(30000) -or $read.Result -notmatch '^listening (http://127\.0\.0\.1:\d+/)') {
        throw "The fake upstream did not report its address within 30 s."
    }
    $fakeBase = $Matches[1].TrimEnd('/')

    $env:CCR_HOME = Join-Path $work 'ccr-home'
    New-Item -ItemType Directory -Force -Path $env:CCR_HOME | Out-Null
    $configPath = Join-Path $env:CCR_HOME 'config.json'
    $config = [ordered]@{
        APIKEY         = $apiKey
        API_TIMEOUT_MS = 30000
        # The shortest keep-alive interval, so a silent-thinker stream (1.2 s gaps) gets pings.
        STREAM_PING_INTERVAL_MS = 1000
        Providers      = @(
            [ordered]@{ name = 'fake'; api_base_url = "$fakeBase/v1"; api_key = 'sk-fake-openai-0000'
                models = @('conformance-default', 'tool-then-answer', 'reasoning', 'rate-limited', 'rate-limited-openai', 'server-error', 'preset-route', 'silent-thinker') },
            [ordered]@{ name = 'fakeant'; api_base_url = "$fakeBase/anthropic"; api_key = 'sk-ant-fake-0000'
                models = @('conformance-default', 'tool-then-answer') }
        )
        Router         = [ordered]@{ default = 'fake,conformance-default'; background = 'fake,conformance-default' }
        Presets        = [ordered]@{
            native = [ordered]@{ route = 'fakeant,conformance-default' }
            tools  = [ordered]@{ route = 'fake,tool-then-answer' }
            claude_preset = [ordered]@{ route = 'fake,preset-route' }
            thinker = [ordered]@{ route = 'fake,silent-thinker' }
        }
    }
    $config | ConvertTo-Json -Depth 6 | Set-Content -Path $configPath -Encoding utf8

    Import-Module $ModulePath -Force
    $port = Get-FreePort
    Start-CcrProxy -Port $port -ConfigPath $configPath

    $claude = Join-Path $here 'node_modules/@anthropic-ai/claude-code/bin/claude.exe'
    $nodeEnv = @{
        CCR_PROXY_URL   = "http://127.0.0.1:$port"
        CCR_APIKEY      = $apiKey
        CCR_WORK        = $work
        CCR_CLAUDE_BIN  = $(if (Test-Path $claude) { $claude } else { '' })
        NO_COLOR        = '1'
        # Start-CcrClaude's case runs this module in a pwsh of its own against the proxy started here.
        CCR_MODULE_PATH = $ModulePath
        CCR_CONFIG_PATH = $configPath
        CCR_PROXY_PORT  = "$port"
        CCR_PWSH        = ConvertTo-Json -Compress -InputObject @(
            $(if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') {
                    [Environment]::ProcessPath; [Reflection.Assembly]::GetEntryAssembly().Location
                } else { [Environment]::ProcessPath }))
    }
    $nodeArgs = @('--test', '--test-concurrency=1', '--test-timeout=120000',
        '--test-reporter=spec', '--test-reporter-destination=stdout',
        '--test-reporter=junit', "--test-reporter-destination=$junitPath")
    if ($Filter) { $nodeArgs += @('--test-name-pattern', $Filter) }
    $nodeArgs += @($testFiles.FullName)
    $code = Invoke-Bounded -File $node.Source -Arguments $nodeArgs -WorkingDirectory $here -TimeoutSeconds $RunTimeoutSeconds -Environment $nodeEnv
    if (-not (Test-Path $junitPath)) {
        Write-Host "node --test wrote no results (exit $code)." -ForegroundColor Red
        Write-Summary 0 1 0
        return
    }
    $counts = Read-JunitCounts $junitPath
    if ($code -ne 0 -and $counts.Failed -eq 0) { $counts.Failed = 1 }
    Write-Summary $counts.Passed $counts.Failed $counts.Skipped
}
finally {
    if ($port) {
        Stop-CcrProxy -Port $port -DrainTimeoutSeconds 2 -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null
    }
    if ($fake) {
        try { $fake.StandardInput.Close() } catch { }
        if (-not $fake.WaitForExit(5000)) { $fake.Kill($true) }
    }
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
