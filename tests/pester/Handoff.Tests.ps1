# Several sessions run the profile line against one config, as terminals do: closing the one that
# started the proxy keeps the router serving the others, a stream in flight on it finishes, and the
# port is free once the last session has exited. Every session is a real pwsh process.
BeforeAll {
    $script:oldHome = $env:CCR_HOME
    $script:root = Join-Path ([IO.Path]::GetTempPath()) ("ccr-handoff-" + [guid]::NewGuid().ToString('N').Substring(0, 10))
    New-Item -ItemType Directory -Path $root -Force | Out-Null
    # The children inherit it: their state, logs, control tokens and session files stay here.
    $env:CCR_HOME = $root
    Import-Module $env:CCR_TEST_MODULE -Force

    . (Join-Path $PSScriptRoot 'TestSupport.ps1')

    # A session with the profile line: it starts (or finds) the proxy, says 'ready', and exits once its stop file appears.
    function script:Start-Session([string] $Name) {
        $stop = Join-Path $root "$Name.stop"
        $command = "Import-Module '$env:CCR_TEST_MODULE'; Start-CcrProxy -ConfigPath '$cfg'; 'ready'; while (-not (Test-Path '$stop')) { Start-Sleep -Milliseconds 50 }; exit 0"
        $p = Start-ChildPwsh $command
        $err = $p.StandardError.ReadToEndAsync()
        $line = $p.StandardOutput.ReadLineAsync()
        if (-not $line.Wait(60000) -or $line.Result -ne 'ready') {
            $p.Kill($true)
            throw "session $Name did not start: $($line.Result) $($err.Result)"
        }
        [pscustomobject]@{ Name = $Name; Process = $p; StopFile = $stop; Err = $err }
    }

    # Sessions whose profiles run at the same moment, as terminals restored together do: each imports the module,
    # says 'imported', and runs the profile line only once the go file appears, so the starts collide.
    function script:Start-GatedSession([string] $Name, [string] $Go, [int] $Port) {
        $stop = Join-Path $root "$Name.stop"
        $command = "Import-Module '$env:CCR_TEST_MODULE'; 'imported'; while (-not (Test-Path '$Go')) { [Threading.Thread]::Sleep(2) }; " +
            "try { `$p = Start-CcrProxy -ConfigPath '$cfg' -Port $Port -PassThru -ErrorAction Stop; 'ready ' + `$p.ProcessId + ' ' + `$p.InThisSession } catch { 'failed ' + `$_.FullyQualifiedErrorId + ': ' + `$_ }; " +
            "while (-not (Test-Path '$stop')) { Start-Sleep -Milliseconds 50 }; exit 0"
        $p = Start-ChildPwsh $command
        [pscustomobject]@{ Name = $Name; Process = $p; StopFile = $stop; Err = $p.StandardError.ReadToEndAsync() }
    }

    function script:Read-Line($Session, [int] $Seconds) {
        $line = $Session.Process.StandardOutput.ReadLineAsync()
        if (-not $line.Wait($Seconds * 1000)) { throw "session $($Session.Name) said nothing within $Seconds s: $($Session.Err.Result)" }
        $line.Result
    }

    function script:Stop-Session($Session) { Set-Content -Path $Session.StopFile -Value 'stop' }

    function script:Wait-Exit($Session, [int] $Seconds) {
        if (-not $Session.Process.WaitForExit($Seconds * 1000)) { $Session.Process.Kill($true); throw "session $($Session.Name) did not exit within $Seconds s" }
    }

    function script:Send-Message([int] $Port, [string] $Model, [switch] $Stream) {
        $body = '{"model":"qwen,' + $Model + '","max_tokens":5,' + $(if ($Stream) { '"stream":true,' } else { '' }) + '"messages":[{"role":"user","content":"hi"}]}'
        $client = [Net.Http.HttpClient]::new([Net.Http.SocketsHttpHandler]@{ UseProxy = $false })
        $client.Timeout = [TimeSpan]::FromSeconds(30)
        $content = [Net.Http.StringContent]::new($body, [Text.Encoding]::UTF8, 'application/json')
        $client.PostAsync("http://127.0.0.1:$Port/v1/messages", $content)
    }

    $upstream = Start-FakeUpstream
    $script:fake = $upstream.Process
    $script:fakeBase = $upstream.BaseUrl

    $script:port = Get-FreePort
    $script:cfg = Join-Path $root 'config.json'
    # slow-1500: the fake answers after 1.5 s, a stream still in flight when its server's session exits.
    Set-Content -Path $cfg -Encoding utf8NoBOM -Value @"
{
    "PORT": $port,
    "Providers": [
        { "name": "qwen", "api_base_url": "$fakeBase/v1", "api_key": "sk-sp-0123456789abcdef", "models": ["qwen3-coder-plus", "slow-1500"] }
    ],
    "Router": { "default": "qwen,qwen3-coder-plus" }
}
"@
    $script:sessions = @()
}

AfterAll {
    foreach ($s in $script:sessions) { if (-not $s.Process.HasExited) { $s.Process.Kill($true) } }
    if ($script:fake) { $fake.StandardInput.Close(); if (-not $fake.WaitForExit(5000)) { $fake.Kill($true) } }
    $env:CCR_HOME = $oldHome
    Remove-Item -Recurse -Force $root -ErrorAction SilentlyContinue
}

Describe 'Handoff between sessions' {
    It 'the router outlives the session that started it, and stops with the last one' {
        $first = Start-Session 'first'
        $script:sessions += $first
        $second = Start-Session 'second'
        $third = Start-Session 'third'
        $script:sessions += $second, $third

        $serving = Get-CcrProxy -Port $port
        $serving.ProcessId | Should -Be $first.Process.Id
        @($serving.AttachedProcessIds) | Should -Be @(@($first, $second, $third).Process.Id | Sort-Object)

        # A stream in flight on the first session's proxy when it exits.
        $stream = Send-Message $port 'slow-1500' -Stream
        Start-Sleep -Milliseconds 300
        $clock = [Diagnostics.Stopwatch]::StartNew()
        Stop-Session $first

        $answered = $null
        while (-not $answered -and $clock.Elapsed.TotalSeconds -lt 5) {
            try { $r = (Send-Message $port 'qwen3-coder-plus').GetAwaiter().GetResult(); if ($r.IsSuccessStatusCode) { $answered = $clock.Elapsed } }
            catch { Start-Sleep -Milliseconds 50 }
        }
        $answered | Should -Not -BeNullOrEmpty -Because 'another session takes the port over'
        $answered.TotalSeconds | Should -BeLessThan 2

        $streamed = $stream.GetAwaiter().GetResult()
        $text = $streamed.Content.ReadAsStringAsync().GetAwaiter().GetResult()
        [int] $streamed.StatusCode | Should -Be 200
        $text | Should -Match 'event: (message_stop|error)'

        Wait-Exit $first 15
        $now = Get-CcrProxy -Port $port
        $now.ProcessId | Should -BeIn @($second.Process.Id, $third.Process.Id)
        @($now.AttachedProcessIds) | Should -Be @(@($second, $third).Process.Id | Sort-Object)

        Stop-Session $second
        Stop-Session $third
        Wait-Exit $second 15
        Wait-Exit $third 15
        $deadline = [DateTime]::UtcNow.AddSeconds(5)
        while (-not (Test-PortFree $port) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        Test-PortFree $port | Should -BeTrue
        Get-CcrProxy -Port $port -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'sessions whose profiles start the proxy at the same moment all use one proxy, none fails with PortInUse' {
        $racePort = Get-FreePort
        $go = Join-Path $root 'race.go'
        $racers = @(1..4 | ForEach-Object { Start-GatedSession "racer$_" $go $racePort })
        $script:sessions += $racers
        foreach ($r in $racers) { Read-Line $r 60 | Should -Be 'imported' }
        Set-Content -Path $go -Value 'go'

        $said = @($racers | ForEach-Object { Read-Line $_ 60 })
        foreach ($line in $said) { $line | Should -Match '^ready ' -Because 'a session that loses the bind to another Ccr proxy uses it' }
        $servers = @($said | ForEach-Object { ($_ -split ' ')[1] } | Sort-Object -Unique)
        $servers.Count | Should -Be 1 -Because 'every session names the same serving process'
        @($said | Where-Object { $_ -like '* True' }).Count | Should -Be 1 -Because 'exactly one session serves the port itself'
        $servers[0] | Should -BeIn @($racers.Process.Id | ForEach-Object { "$_" })

        $serving = Get-CcrProxy -Port $racePort
        @($serving.AttachedProcessIds) | Should -Be @($racers.Process.Id | Sort-Object)

        foreach ($r in $racers) { Stop-Session $r }
        foreach ($r in $racers) { Wait-Exit $r 15 }
        $deadline = [DateTime]::UtcNow.AddSeconds(5)
        while (-not (Test-PortFree $racePort) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        Test-PortFree $racePort | Should -BeTrue
    }
}
