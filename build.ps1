#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, benchmarks and packages the Ccr module.
.DESCRIPTION
    Build   : compiles the solution and lays out an importable module in out/Ccr.
    Test    : Build, then every xunit project, the Pester suite and the conformance suite
              (tests/conformance: real npm clients against the proxy); ends with one line
              "N passed, N failed" for all of them together and exits non-zero on any failure.
    Bench   : Build, then the benchmark harness in bench/ (writes bench/RESULTS.md).
    Package : Build, then zips out/Ccr into out/Ccr-<version>.zip.
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Bench', 'Package')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Runs only tests whose name matches (xunit filter expression and Pester -FullName wildcard).
    [string] $Filter,

    # Skips the Pester suite (xunit only), for a quicker inner loop.
    [switch] $SkipPester,

    # Skips the xunit projects (Pester only).
    [switch] $SkipXunit,

    # Skips the conformance suite (real npm clients against the proxy, tests/conformance).
    [switch] $SkipConformance,

    # Arguments passed to the benchmark runner (bench task only).
    [string[]] $BenchArgs = @(),

    # Bench task only: also run the reliability soak (CCR_SOAK_SECONDS, default 600) and a long fuzz (CCR_FUZZ_CASES, default 200000).
    [switch] $Soak
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = $PSScriptRoot
$out = Join-Path $root 'out'
$moduleOut = Join-Path $out 'Ccr'

function Invoke-Native {
    param([string] $File, [string[]] $Arguments)
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "'$File $($Arguments -join ' ')' failed with exit code $LASTEXITCODE." }
}

function Get-NuGetPackagesFolder {
    if ($env:NUGET_PACKAGES) { return $env:NUGET_PACKAGES }
    $line = & dotnet nuget locals global-packages --list
    return ($line -replace '^global-packages:\s*', '').Trim()
}

function Convert-HelpMarkdownToMaml {
    # platyPS is not served here, so docs/help/<Cmdlet>.md is turned into MAML by this small reader.
    param([string] $HelpFolder, [string] $Destination, [string] $ModulePath)
    . (Join-Path $root 'build/HelpMaml.ps1')
    $files = Get-ChildItem -Path $HelpFolder -Filter '*-*.md' -File | Sort-Object Name
    # The laid-out module supplies syntax and parameter facts; Get-Help does not merge them itself.
    $xml = ConvertTo-CcrMaml -Files $files -ModulePath $ModulePath
    New-Item -ItemType Directory -Force -Path (Split-Path $Destination) | Out-Null
    [IO.File]::WriteAllText($Destination, $xml, [Text.UTF8Encoding]::new($false))
}

function Clear-ModuleOut {
    if (-not (Test-Path $moduleOut)) { return }
    # Leftovers of earlier builds that were in use then (see below); best effort, they may still be.
    Get-ChildItem -Path $out -Directory -Filter '.old-Ccr-*' -ErrorAction SilentlyContinue |
        Remove-Item -Recurse -Force -ErrorAction SilentlyContinue
    try {
        Remove-Item -Recurse -Force $moduleOut
        return
    }
    catch {
        if (-not $IsWindows) { throw }
    }
    # Windows: a session (or a detached proxy) that imported out/Ccr holds its DLLs open, and a file in use cannot be
    # deleted. Unix unlinks open files, so only Windows gets here. Moving the folder aside lets this build lay out a fresh
    # out/Ccr while the running session keeps the old copy; it is removed by a later build once nothing uses it.
    $aside = Join-Path $out ('.old-Ccr-' + [DateTime]::UtcNow.ToString('yyyyMMddHHmmssfff'))
    try {
        Move-Item -LiteralPath $moduleOut -Destination $aside
    }
    catch {
        throw "out/Ccr is in use and cannot be replaced ($($_.Exception.Message)). Close the PowerShell sessions that imported it and stop a detached proxy started from it (Stop-CcrProxy), then build again."
    }
}

function Invoke-Build {
    Invoke-Native dotnet @('build', (Join-Path $root 'Ccr.sln'), '-c', $Configuration, '--nologo', '-v', 'q', '-clp:ErrorsOnly;Summary')
    Clear-ModuleOut
    $deps = Join-Path $moduleOut 'dependencies'
    New-Item -ItemType Directory -Force -Path $deps | Out-Null

    $psBin = Join-Path $root "src/Ccr.PowerShell/bin/$Configuration/net8.0"
    # The cmdlet assembly loads in the default context; the engine and its libraries load in the
    # module's own AssemblyLoadContext from dependencies/ (see ModuleLoader.cs).
    Copy-Item (Join-Path $psBin 'Ccr.PowerShell.dll') $moduleOut
    Get-ChildItem $psBin -Filter '*.dll' |
        Where-Object { $_.Name -notin @('Ccr.PowerShell.dll', 'System.Management.Automation.dll') } |
        Copy-Item -Destination $deps
    Copy-Item (Join-Path $root 'module/Ccr.psd1') $moduleOut
    Copy-Item (Join-Path $root 'module/Ccr.format.ps1xml') $moduleOut
    $helpOut = Join-Path $moduleOut 'en-US'
    New-Item -ItemType Directory -Force -Path $helpOut | Out-Null
    $helpSrc = Join-Path $root 'docs/help'
    if (Get-ChildItem -Path $helpSrc -Filter '*-*.md' -ErrorAction SilentlyContinue) {
        Convert-HelpMarkdownToMaml -HelpFolder $helpSrc -Destination (Join-Path $helpOut 'Ccr.PowerShell.dll-Help.xml') -ModulePath (Join-Path $moduleOut 'Ccr.psd1')
    }
    $about = Join-Path $helpSrc 'about_Ccr.help.txt'
    if (Test-Path $about) { Copy-Item $about $helpOut }
    Write-Host "Module laid out in $moduleOut"
}

function Read-TrxCounts {
    param([string] $Folder)
    $passed = 0; $failed = 0; $skipped = 0
    foreach ($trx in Get-ChildItem -Path $Folder -Filter '*.trx' -File -ErrorAction SilentlyContinue) {
        [xml] $doc = Get-Content -Raw $trx.FullName
        $c = $doc.TestRun.ResultSummary.Counters
        $passed += [int] $c.passed
        $failed += [int] $c.failed + [int] $c.error + [int] $c.timeout + [int] $c.aborted
        $skipped += [int] $c.notExecuted
        foreach ($r in @($doc.TestRun.Results.UnitTestResult | Where-Object { $_ -and $_.outcome -eq 'Failed' })) {
            Write-Host "  FAILED: $($r.testName)" -ForegroundColor Red
        }
    }
    [pscustomobject]@{ Passed = $passed; Failed = $failed; Skipped = $skipped }
}

function Invoke-XunitTests {
    $results = Join-Path $out 'TestResults'
    if (Test-Path $results) { Remove-Item -Recurse -Force $results }
    $failedRuns = 0
    foreach ($proj in @('tests/Ccr.Core.Tests/Ccr.Core.Tests.csproj', 'tests/Ccr.PowerShell.Tests/Ccr.PowerShell.Tests.csproj')) {
        $name = [IO.Path]::GetFileNameWithoutExtension($proj)
        $testArgs = @('test', (Join-Path $root $proj), '-c', $Configuration, '--no-build', '--nologo',
            '--logger', "trx;LogFileName=$name.trx", '--results-directory', $results,
            '--blame-hang-timeout', '5m')
        if ($Filter) { $testArgs += @('--filter', $Filter) }
        & dotnet @testArgs | Out-Host
        if ($LASTEXITCODE -ne 0) { $failedRuns++ }
    }
    $counts = Read-TrxCounts -Folder $results
    if ($failedRuns -gt 0 -and $counts.Failed -eq 0) {
        # A crashed test host writes no failed result; count the run itself so CI cannot go green.
        $counts.Failed = $failedRuns
    }
    return $counts
}

function Invoke-PesterTests {
    $pesterProj = Join-Path $root 'build/Pester.proj'
    Invoke-Native dotnet @('restore', $pesterProj, '--nologo', '-v', 'q')
    $pester = Join-Path (Get-NuGetPackagesFolder) 'pester/5.7.1/tools/Pester.psd1'
    if (-not (Test-Path $pester)) { throw "Pester 5.7.1 was not restored to '$pester'." }
    $summary = Join-Path $out 'pester-summary.json'
    if (Test-Path $summary) { Remove-Item $summary }
    $runner = Join-Path $root 'tests/pester/Invoke-CcrPester.ps1'
    # A fresh pwsh so the suite imports out/Ccr exactly as a user's session would.
    $pwshArgs = @('pwsh', '-NoProfile', '-NonInteractive', '-File', $runner,
        '-PesterPath', $pester, '-ModulePath', $moduleOut, '-SummaryPath', $summary)
    if ($Filter) { $pwshArgs += @('-Filter', $Filter) }
    & dotnet @pwshArgs | Out-Host
    if (-not (Test-Path $summary)) {
        return [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }
    }
    return Get-Content -Raw $summary | ConvertFrom-Json
}

function Invoke-ConformanceTests {
    # Claude Code, the Anthropic SDK and the OpenAI SDK from npm against Start-CcrProxy; a machine
    # without node or the packages counts every case as skipped (with the reason), never as passed.
    $summary = Join-Path $out 'conformance-summary.json'
    if (Test-Path $summary) { Remove-Item $summary }
    $fake = Join-Path $root "tests/FakeUpstream/bin/$Configuration/net10.0/FakeUpstream.dll"
    $runner = Join-Path $root 'tests/conformance/Invoke-Conformance.ps1'
    $pwshArgs = @('pwsh', '-NoProfile', '-NonInteractive', '-File', $runner,
        '-ModulePath', $moduleOut, '-FakeUpstreamPath', $fake, '-SummaryPath', $summary)
    if ($Filter) { $pwshArgs += @('-Filter', $Filter) }
    & dotnet @pwshArgs | Out-Host
    if (-not (Test-Path $summary)) {
        return [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }
    }
    $counts = Get-Content -Raw $summary | ConvertFrom-Json
    Write-Host "Conformance: $($counts.Passed) passed, $($counts.Failed) failed, $($counts.Skipped) skipped"
    return $counts
}

function Invoke-Test {
    $total = [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 }
    foreach ($part in @(
            $(if (-not $SkipXunit) { Invoke-XunitTests }),
            $(if (-not $SkipPester) { Invoke-PesterTests }),
            $(if (-not $SkipConformance) { Invoke-ConformanceTests }))) {
        if ($null -eq $part) { continue }
        $total.Passed += [int] $part.Passed
        $total.Failed += [int] $part.Failed
        $total.Skipped += [int] $part.Skipped
    }
    $line = "$($total.Passed) passed, $($total.Failed) failed"
    if ($total.Skipped -gt 0) { $line += ", $($total.Skipped) skipped" }
    Write-Host $line
    if ($total.Failed -gt 0 -or $total.Passed -eq 0) { exit 1 }
}

function Invoke-Bench {
    $bench = Join-Path $root 'bench/Ccr.Bench/Ccr.Bench.csproj'
    Invoke-Native dotnet (@('run', '--project', $bench, '-c', 'Release', '--') + $BenchArgs + @('--module', $moduleOut, '--results', (Join-Path $root 'bench/RESULTS.md')))
}

function Invoke-Soak {
    # Long forms of the CI-bounded reliability tests; docs/RELIABILITY.md records their figures.
    if (-not $env:CCR_SOAK_SECONDS) { $env:CCR_SOAK_SECONDS = '600' }
    if (-not $env:CCR_FUZZ_CASES) { $env:CCR_FUZZ_CASES = '200000' }
    if (-not $env:CCR_FUZZ_HTTP_CASES) { $env:CCR_FUZZ_HTTP_CASES = '5000' }
    # The long run explores new cases; CI replays a fixed set (see FuzzTests).
    if (-not $env:CCR_FUZZ_SEED) { $env:CCR_FUZZ_SEED = 'random' }
    $tests = Join-Path $root 'tests/Ccr.Core.Tests/Ccr.Core.Tests.csproj'
    Invoke-Native dotnet @('test', $tests, '-c', 'Release', '--filter', 'FullyQualifiedName~Reliability.SoakTests|FullyQualifiedName~Reliability.FuzzTests', '--logger', 'console;verbosity=normal')
}

function Invoke-Package {
    $manifest = Import-PowerShellDataFile (Join-Path $moduleOut 'Ccr.psd1')
    $zip = Join-Path $out "Ccr-$($manifest.ModuleVersion).zip"
    if (Test-Path $zip) { Remove-Item $zip }
    Compress-Archive -Path $moduleOut -DestinationPath $zip
    Write-Host "Packaged $zip"
}

Push-Location $root
try {
    switch ($Task) {
        'Build' { Invoke-Build }
        'Test' {
            try { Invoke-Build }
            catch {
                # CI reads the closing line even when nothing could be built.
                Write-Host $_.Exception.Message -ForegroundColor Red
                Write-Host '0 passed, 1 failed'
                exit 1
            }
            Invoke-Test
        }
        'Bench' { Invoke-Build; Invoke-Bench; if ($Soak) { Invoke-Soak } }
        'Package' { Invoke-Build; Invoke-Package }
    }
}
finally {
    Pop-Location
}
