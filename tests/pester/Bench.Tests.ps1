# CI smoke of the benchmark harness: a 1-2 s run of every scenario with tiny numbers. It asserts that the
# harness produced numbers, never how fast anything was (no benchmark is a timed unit test).
BeforeAll {
    $root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $script:benchDll = Get-ChildItem -Path (Join-Path $root 'bench/Ccr.Bench/bin') -Recurse -Filter 'Ccr.Bench.dll' -ErrorAction SilentlyContinue |
        Where-Object { $_.Directory.Name -eq 'net10.0' } | Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1
    $script:work = Join-Path ([IO.Path]::GetTempPath()) ("ccr-bench-smoke-" + [guid]::NewGuid().ToString('n'))
    New-Item -ItemType Directory -Path $script:work | Out-Null
    $script:results = Join-Path $script:work 'RESULTS.md'
    $script:json = Join-Path $script:work 'results.json'

    $info = [Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($script:benchDll.FullName, '--smoke', '--module', $env:CCR_TEST_MODULE, '--results', $script:results, '--json', $script:json)) {
        $info.ArgumentList.Add($a)
    }
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    $process = [Diagnostics.Process]::Start($info)
    $errTask = $process.StandardError.ReadToEndAsync()
    $script:exited = $process.WaitForExit(90000)
    if (-not $script:exited) { $process.Kill($true) }
    $script:log = $errTask.Result
    $script:exitCode = if ($script:exited) { $process.ExitCode } else { -1 }
    $script:report = if (Test-Path $script:json) { Get-Content -Raw $script:json | ConvertFrom-Json } else { $null }
}

AfterAll {
    if ($script:work -and (Test-Path $script:work)) { Remove-Item -Recurse -Force $script:work }
}

Describe 'Bench harness smoke' {
    It 'finds the built harness' {
        $script:benchDll | Should -Not -BeNullOrEmpty -Because 'build.ps1 builds bench/Ccr.Bench with the solution'
    }

    It 'ends by itself within 90 s with exit code 0' {
        $script:exited | Should -BeTrue
        $script:exitCode | Should -Be 0 -Because $script:log
    }

    It 'writes RESULTS.md with the machine and the goals' {
        $text = Get-Content -Raw $script:results
        $text | Should -Match '## Machine'
        $text | Should -Match '## Goals'
        $text | Should -Match '\| direct \|'
    }

    It 'measures non-stream requests straight to the mock with no errors' {
        $rows = @($script:report.Load | Where-Object Target -EQ 'direct')
        $rows.Count | Should -Be 4
        foreach ($row in $rows) {
            $row.Requests | Should -BeGreaterThan 0
            $row.Errors | Should -Be 0
            $row.P50 | Should -BeGreaterThan 0
        }
    }

    It 'completes every concurrent stream straight to the mock' {
        $row = @($script:report.Streams | Where-Object Target -EQ 'direct')[0]
        $row.Completed | Should -Be $row.Streams
        $row.Streams | Should -BeGreaterThan 0
        $row.RssPeakMiB | Should -BeGreaterThan 0
    }

    It 'measures Ccr end to end: non-stream with no errors, every stream, count_tokens and start-up' {
        $script:report.NotMeasured.PSObject.Properties.Name | Should -Not -Contain 'Ccr' -Because ($script:report.NotMeasured | ConvertTo-Json)
        $rows = @($script:report.Load | Where-Object Target -EQ 'Ccr')
        $rows.Count | Should -Be 4
        foreach ($row in $rows) {
            $row.Requests | Should -BeGreaterThan 0
            $row.Errors | Should -Be 0
        }
        $stream = @($script:report.Streams | Where-Object Target -EQ 'Ccr')[0]
        $stream.Completed | Should -Be $stream.Streams
        $count = @($script:report.CountTokens | Where-Object Target -EQ 'Ccr')[0]
        $count.Error | Should -BeNullOrEmpty
        $count.InputTokens | Should -BeGreaterThan 0
        @($script:report.Startup | Where-Object Target -EQ 'Ccr')[0].SamplesMs.Count | Should -BeGreaterThan 0
    }

    It 'measures Ccr with and without Watch-CcrProxy polling its feed, with no errors' {
        $rows = @($script:report.Dashboard)
        $rows.Count | Should -Be 4 -Because 'one row off and one attached per connection count'
        foreach ($row in $rows) {
            $row.Requests | Should -BeGreaterThan 0
            $row.Error | Should -BeNullOrEmpty
        }
        @($rows | Where-Object Attached | Where-Object Polls -GT 0).Count | Should -Be 2
    }

    It 'measures the custom router scenario: no script, a script returning $null and one returning a route' {
        $rows = @($script:report.CustomRouter)
        $rows.Count | Should -Be 3
        foreach ($row in $rows) {
            $row.Error | Should -BeNullOrEmpty
            $row.Samples | Should -BeGreaterThan 0
        }
    }
}
