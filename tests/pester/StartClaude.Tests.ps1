# Start-CcrClaude with a fake `claude` on PATH (a POSIX sh script that records its arguments, environment and
# folder, and exits with a chosen code): arguments pass unchanged, the router's environment reaches the child
# only, the proxy is started when none serves, the exit code comes back, and a missing claude says what to install.
BeforeAll {
    Import-Module $env:CCR_TEST_MODULE -Force
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    # Ordinal: on Unix NO_PROXY and no_proxy are two variables, and a PowerShell hashtable would fold them into one.
    $script:saved = [Collections.Generic.Dictionary[string, object]]::new([StringComparer]::Ordinal)
    foreach ($name in 'CCR_HOME', 'PATH', 'HOME', 'ANTHROPIC_BASE_URL', 'ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_MODEL', 'NO_PROXY', 'no_proxy') {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
    }
    $script:root = Join-Path ([IO.Path]::GetTempPath()) ('ccr-claude-' + [guid]::NewGuid().ToString('N').Substring(0, 10))
    New-Item -ItemType Directory -Path $root -Force | Out-Null
    $env:CCR_HOME = $root
    # A home of its own, so the user's real ~/.claude/settings.json is never read.
    $script:fakeHome = Join-Path $root 'home'
    New-Item -ItemType Directory -Path (Join-Path $fakeHome '.claude') -Force | Out-Null
    $env:HOME = $fakeHome

    $script:bin = Join-Path $root 'bin'
    New-Item -ItemType Directory -Path $bin | Out-Null
    $script:claude = Join-Path $bin 'claude'
    $script:out = Join-Path $root 'claude-run'
    # NUL-separated, so every byte of every argument and value comes back exactly.
    [IO.File]::WriteAllText($claude, @'
#!/bin/sh
out="$CCR_FAKE_CLAUDE_OUT"
printf '%s\0' "$@" > "$out.args"
for v in ANTHROPIC_BASE_URL ANTHROPIC_AUTH_TOKEN ANTHROPIC_API_KEY ANTHROPIC_MODEL NO_PROXY no_proxy CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC; do
  eval "isset=\${$v+x}"
  eval "val=\${$v}"
  if [ -n "$isset" ]; then printf '%s=%s\0' "$v" "$val"; fi
done > "$out.env"
pwd > "$out.cwd"
if [ -n "$CCR_FAKE_CLAUDE_ASK" ]; then
  # As Claude Code does: POST to the base URL it was given, with the token it was given.
  curl -s -D "$out.headers" -X POST "$ANTHROPIC_BASE_URL/v1/messages" -H "x-api-key: $ANTHROPIC_AUTH_TOKEN" \
    -H 'content-type: application/json' -d '{"max_tokens":20,"messages":[{"role":"user","content":"hi"}]}' > "$out.answer"
fi
if [ -n "$CCR_FAKE_CLAUDE_WAIT" ]; then
  # Holds until the test releases it, so the test can stop the pipeline while claude still runs.
  : > "$out.started"
  while [ ! -f "$out.release" ]; do sleep 0.02; done
  : > "$out.done"
fi
exit "${CCR_FAKE_CLAUDE_EXIT:-0}"
'@.Replace("`r`n", "`n"))
    if (-not $IsWindows) { & chmod +x $claude }
    $env:PATH = $bin + [IO.Path]::PathSeparator + $saved.PATH
    $env:CCR_FAKE_CLAUDE_OUT = $out

    $upstream = Start-FakeUpstream
    $script:fake = $upstream.Process
    $script:fakeBase = $upstream.BaseUrl

    function script:New-Config([int] $Port) {
        $path = Join-Path $root ("config-$Port.json")
        Set-Content -LiteralPath $path -Encoding utf8NoBOM -Value @"
{
    "PORT": $Port,
    "APIKEY": "proxy-secret-0123",
    "Providers": [ { "name": "fake", "api_base_url": "$fakeBase/v1", "api_key": "sk-fake-0123456789", "models": ["m", "big"] } ],
    "Router": { "default": "fake,m" },
    "Presets": { "big_one": { "route": "fake,big" } }
}
"@
        $path
    }
    function script:Read-Run {
        $envText = [IO.File]::ReadAllText("$out.env")
        $vars = [Collections.Generic.Dictionary[string, string]]::new([StringComparer]::Ordinal)
        foreach ($pair in $envText.Split([char]0, [StringSplitOptions]::RemoveEmptyEntries)) {
            $i = $pair.IndexOf('='); $vars[$pair.Substring(0, $i)] = $pair.Substring($i + 1)
        }
        $argText = [IO.File]::ReadAllText("$out.args")
        [pscustomobject]@{
            Args = if ($argText.Length -eq 0) { @() } else { $argText.Substring(0, $argText.Length - 1).Split([char]0) }
            Env  = $vars
            Cwd  = [IO.File]::ReadAllText("$out.cwd").Trim()
        }
    }
    function script:Clear-Run { Remove-Item "$out.*" -ErrorAction Ignore }
}

AfterAll {
    Get-CcrProxy -ErrorAction SilentlyContinue | Where-Object InThisSession | ForEach-Object { Stop-CcrProxy -Port $_.Port -Confirm:$false }
    if ($script:fake -and -not $fake.HasExited) { $fake.StandardInput.Close(); $null = $fake.WaitForExit(5000) }
    foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    Remove-Item Env:CCR_FAKE_CLAUDE_OUT, Env:CCR_FAKE_CLAUDE_EXIT -ErrorAction Ignore
    Remove-Item -Recurse -Force $root -ErrorAction SilentlyContinue
}

# The fake claude is a POSIX shell script; on Windows a batch file would go through cmd.exe, which is what the cmdlet avoids.
Describe 'Start-CcrClaude' -Skip:$IsWindows {
    BeforeAll {
        $script:port = Get-FreePort
        $script:cfg = New-Config $port
        $env:ANTHROPIC_BASE_URL = 'http://session-value.invalid'
        $env:ANTHROPIC_API_KEY = 'sk-ant-session-key'
        $env:NO_PROXY = 'corp.example'
        Remove-Item Env:ANTHROPIC_MODEL, Env:no_proxy -ErrorAction Ignore
        (Get-CcrProxy -Port $port -ErrorAction SilentlyContinue) | Should -BeNullOrEmpty
        Clear-Run
        $script:work = Join-Path $root 'project folder'
        New-Item -ItemType Directory -Path $work | Out-Null
        Push-Location $work
        try {
            $script:code = Start-CcrClaude -Preset big_one -ConfigPath $cfg -- -p 'hello world' 'say "hi" and ''bye''' '' 'ünïcødé ✓ 日本' '--flag=a b' '$HOME' '%PATH%' '-Preset'
            $script:lastExit = $LASTEXITCODE
        }
        finally { Pop-Location }
        $script:run = Read-Run
    }

    It 'passes every argument after -- unchanged: spaces, quotes, empty, Unicode, $ and %' {
        $run.Args.Count | Should -Be 9
        $run.Args | Should -Be @('-p', 'hello world', 'say "hi" and ''bye''', '', 'ünïcødé ✓ 日本', '--flag=a b', '$HOME', '%PATH%', '-Preset')
    }

    It 'gives the child the router''s environment: the preset URL, the proxy''s token, loopback in NO_PROXY' {
        $run.Env.ANTHROPIC_BASE_URL | Should -Be "http://127.0.0.1:$port/preset/big_one"
        $run.Env['ANTHROPIC_AUTH_TOKEN'] | Should -Be 'proxy-secret-0123'
        $run.Env['NO_PROXY'] | Should -Be 'corp.example,127.0.0.1,localhost,::1'
        $run.Env['no_proxy'] | Should -Be '127.0.0.1,localhost,::1'
        $run.Env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC | Should -Be '1'
    }

    It 'does not pass the session''s ANTHROPIC_API_KEY to claude' {
        $run.Env.ContainsKey('ANTHROPIC_API_KEY') | Should -BeFalse
    }

    It 'leaves the session''s own environment as it was' {
        $env:ANTHROPIC_BASE_URL | Should -Be 'http://session-value.invalid'
        $env:ANTHROPIC_API_KEY | Should -Be 'sk-ant-session-key'
        $env:NO_PROXY | Should -Be 'corp.example'
        $env:ANTHROPIC_AUTH_TOKEN | Should -Be $saved.ANTHROPIC_AUTH_TOKEN
        Test-Path Env:ANTHROPIC_MODEL | Should -BeFalse
    }

    It 'runs claude in PowerShell''s current folder' {
        $run.Cwd | Should -Be $work
    }

    It 'started the proxy, since none served the port, and it stays for the session' {
        $proxy = Get-CcrProxy -Port $port
        $proxy.InThisSession | Should -BeTrue
        $proxy.ConfigPath | Should -Be $cfg
        (Invoke-RestMethod "http://127.0.0.1:$port/health").status | Should -Not -BeNullOrEmpty
    }

    It 'lets claude reach the session''s own proxy while the cmdlet waits, on the preset''s route' -Skip:(-not (Get-Command curl -CommandType Application -ErrorAction SilentlyContinue)) {
        Clear-Run
        $env:CCR_FAKE_CLAUDE_ASK = '1'
        try { $null = Start-CcrClaude -Preset big_one -ConfigPath $cfg }
        finally { Remove-Item Env:CCR_FAKE_CLAUDE_ASK }
        (Get-Content -Raw "$out.answer" | ConvertFrom-Json).content[0].text | Should -Be 'Hello from fake upstream'
        Get-Content -Raw "$out.headers" | Should -Match '(?im)^x-ccr-route: fake,big\s*$'
    }

    It 'returns claude''s exit code and sets $LASTEXITCODE' {
        $code | Should -Be 0
        $lastExit | Should -Be 0
        $env:CCR_FAKE_CLAUDE_EXIT = '7'
        try {
            $seven = Start-CcrClaude -ConfigPath $cfg
            $seven | Should -Be 7
            $LASTEXITCODE | Should -Be 7
            $info = Start-CcrClaude -ConfigPath $cfg -PassThru
            $info.ExitCode | Should -Be 7
            $info.BaseUrl | Should -Be "http://127.0.0.1:$port"
        }
        finally { Remove-Item Env:CCR_FAKE_CLAUDE_EXIT }
    }

    It 'uses the running proxy the second time (profile-safe) and sends no preset without -Preset' {
        Clear-Run
        $null = Start-CcrClaude -ConfigPath $cfg -- --version
        (Read-Run).Env.ANTHROPIC_BASE_URL | Should -Be "http://127.0.0.1:$port"
        (Read-Run).Args | Should -Be @('--version')
        @(Get-CcrProxy | Where-Object Port -eq $port).Count | Should -Be 1
    }

    It '-Model sets ANTHROPIC_MODEL for claude only' {
        Clear-Run
        $null = Start-CcrClaude -ConfigPath $cfg -Model fake,big
        (Read-Run).Env.ANTHROPIC_MODEL | Should -Be 'fake,big'
        Test-Path Env:ANTHROPIC_MODEL | Should -BeFalse
    }

    It 'refuses a -Model the config does not know, and an unknown -Preset, before running claude' {
        Clear-Run
        { Start-CcrClaude -ConfigPath $cfg -Model fake,nope -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidRoute,Ccr.PowerShell.Commands.StartCcrClaudeCommand'
        { Start-CcrClaude -ConfigPath $cfg -Preset nope -ErrorAction Stop } |
            Should -Throw -ErrorId 'PresetNotFound,Ccr.PowerShell.Commands.StartCcrClaudeCommand'
        Test-Path "$out.args" | Should -BeFalse
    }

    It 'warns when ~/.claude/settings.json would override the base URL' {
        Set-Content -LiteralPath (Join-Path $fakeHome '.claude/settings.json') -Value '{ "env": { "ANTHROPIC_BASE_URL": "https://api.anthropic.com" } }'
        try {
            $warnings = $null
            $null = Start-CcrClaude -ConfigPath $cfg -WarningVariable warnings -WarningAction SilentlyContinue
            ($warnings -join "`n") | Should -Match 'env\.ANTHROPIC_BASE_URL'
        }
        finally { Remove-Item (Join-Path $fakeHome '.claude/settings.json') }
    }

    It 'a stop request (what Ctrl+C does) does not end claude: the cmdlet waits until claude exits on its own' {
        Clear-Run
        Remove-Item "$out.started", "$out.release", "$out.done" -ErrorAction Ignore
        $env:CCR_FAKE_CLAUDE_WAIT = '1'
        $env:CCR_FAKE_CLAUDE_EXIT = '3'
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$env:CCR_TEST_MODULE'; Start-CcrClaude -ConfigPath '$cfg'")
            $running = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddMinutes(2)
            while (-not (Test-Path "$out.started")) {
                if ([DateTime]::UtcNow -gt $deadline -or $running.IsCompleted) { throw "The fake claude did not start: $($ps.Streams.Error)" }
                Start-Sleep -Milliseconds 20
            }
            $stopping = $ps.BeginStop($null, $null)
            while ($ps.InvocationStateInfo.State -ne 'Stopping' -and -not $stopping.IsCompleted) { Start-Sleep -Milliseconds 5 }
            # Stopped while claude still runs: had the stop killed claude, it could never write its done file.
            $stopping.IsCompleted | Should -BeFalse
            New-Item -ItemType File -Path "$out.release" | Out-Null
            $ps.EndStop($stopping)
            Test-Path "$out.done" | Should -BeTrue
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $ps.Runspace.SessionStateProxy.GetVariable('LASTEXITCODE') | Should -Be 3
        }
        finally {
            New-Item -ItemType File -Path "$out.release" -Force | Out-Null
            $ps.Dispose()
            Remove-Item Env:CCR_FAKE_CLAUDE_WAIT, Env:CCR_FAKE_CLAUDE_EXIT -ErrorAction Ignore
        }
    }

    It 'refuses an unknown -Preset or -Model before starting a proxy when none serves yet' {
        $otherPort = Get-FreePort
        $otherCfg = New-Config $otherPort
        Clear-Run
        $failure = { Start-CcrClaude -ConfigPath $otherCfg -Preset nope -ErrorAction Stop } |
            Should -Throw -ErrorId 'PresetNotFound,Ccr.PowerShell.Commands.StartCcrClaudeCommand' -PassThru
        $failure.Exception.Message | Should -Match ([regex]::Escape($otherCfg))
        { Start-CcrClaude -ConfigPath $otherCfg -Model fake,nope -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidRoute,Ccr.PowerShell.Commands.StartCcrClaudeCommand'
        Test-Path "$out.args" | Should -BeFalse
        Get-CcrProxy -Port $otherPort -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Test-PortFree $otherPort | Should -BeTrue
    }

    It '-WhatIf starts neither the proxy nor claude' {
        $otherPort = Get-FreePort
        $otherCfg = New-Config $otherPort
        Clear-Run
        Start-CcrClaude -ConfigPath $otherCfg -WhatIf
        Test-Path "$out.args" | Should -BeFalse
        Get-CcrProxy -Port $otherPort -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

Describe 'Start-CcrClaude without claude on PATH' {
    It 'fails with ClaudeNotFound, says what to install, and starts no proxy' {
        $otherPort = Get-FreePort
        $otherCfg = New-Config $otherPort
        $empty = Join-Path $root 'empty-bin'
        New-Item -ItemType Directory -Path $empty -Force | Out-Null
        $before = $env:PATH
        $env:PATH = $empty
        try {
            $failure = { Start-CcrClaude -ConfigPath $otherCfg -ErrorAction Stop } |
                Should -Throw -ErrorId 'ClaudeNotFound,Ccr.PowerShell.Commands.StartCcrClaudeCommand' -PassThru
        }
        finally { $env:PATH = $before }
        $failure.Exception.Message | Should -Match 'npm install -g @anthropic-ai/claude-code'
        Get-CcrProxy -Port $otherPort -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}
