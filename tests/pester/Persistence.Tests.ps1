# Persistence mode redis through the built module: Start-CcrProxy connects to a redis-server of the test's own, Get-CcrProxy
# and /health say so, the client library stays in the module's load context, and a Redis that cannot be used is a warning
# while routing goes on locally. Needs redis-server on PATH (.ci/run installs it); skipped without it outside CI.
BeforeDiscovery {
    $script:skipRedis = -not (Get-Command redis-server -CommandType Application -ErrorAction SilentlyContinue) -and $env:CI -ne 'true'
}

BeforeAll {
    Import-Module $env:CCR_TEST_MODULE -Force
    $script:oldHome = $env:CCR_HOME
    $script:root = Join-Path ([IO.Path]::GetTempPath()) ("ccr-persist-" + [guid]::NewGuid().ToString('N').Substring(0, 10))
    New-Item -ItemType Directory -Path $root -Force | Out-Null
    $env:CCR_HOME = $root

    . (Join-Path $PSScriptRoot 'TestSupport.ps1')

    function script:Start-RedisServer([int] $Port) {
        $exe = (Get-Command redis-server -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source
        if (-not $exe) { throw 'redis-server is not on PATH: install it (apt-get install redis-server; .ci/run does).' }
        $dir = Join-Path $root "redis-$Port"
        New-Item -ItemType Directory -Path $dir -Force | Out-Null
        $psi = [Diagnostics.ProcessStartInfo]::new($exe)
        foreach ($a in @('--port', "$Port", '--bind', '127.0.0.1', '--dir', $dir, '--save', '', '--appendonly', 'no')) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true; $psi.UseShellExecute = $false
        $p = [Diagnostics.Process]::Start($psi)
        # Its own log line says it listens; reading it is the wait.
        while ($null -ne ($line = $p.StandardOutput.ReadLine())) { if ($line -match 'Ready to accept connections') { break } }
        if ($null -eq $line) { throw 'redis-server exited before it was ready.' }
        $p
    }

    function script:Write-Config([string] $Name, [int] $Port, [string] $RedisUrl) {
        $path = Join-Path $root "$Name.json"
        Set-Content -Path $path -Encoding utf8NoBOM -Value @"
{
    "PORT": $Port,
    "Providers": [ { "name": "p", "api_base_url": "$fakeBase/v1", "api_key": "sk-test-persist-1234", "models": ["m"] } ],
    "Router": { "default": "p,m" },
    "Persistence": { "mode": "redis", "redis_url": "$RedisUrl" }
}
"@
        $path
    }

    function script:Send-Message([int] $Port) {
        $body = '{"model":"p,m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}'
        Invoke-RestMethod -Method Post -Uri "http://127.0.0.1:$Port/v1/messages" -ContentType 'application/json' -Body $body
    }

    $upstream = Start-FakeUpstream
    $script:fake = $upstream.Process
    $script:fakeBase = $upstream.BaseUrl
    $script:redis = $null
}

AfterAll {
    foreach ($p in $script:ports) { Get-CcrProxy -Port $p -ErrorAction SilentlyContinue | Stop-CcrProxy -Confirm:$false -ErrorAction SilentlyContinue }
    if ($script:redis -and -not $redis.HasExited) { $redis.Kill(); $redis.WaitForExit() }
    if ($script:fake) { $fake.StandardInput.Close(); if (-not $fake.WaitForExit(5000)) { $fake.Kill($true) } }
    $env:CCR_HOME = $oldHome
    Remove-Item -Recurse -Force $root -ErrorAction SilentlyContinue
}

Describe 'Persistence redis' {
    BeforeAll { $script:ports = @() }

    It 'connects, shows the mode in Get-CcrProxy and /health, and keeps the client out of the default load context' -Skip:$skipRedis {
        $redisPort = Get-FreePort
        $script:redis = Start-RedisServer $redisPort
        $port = Get-FreePort; $script:ports += $port
        $cfg = Write-Config 'connected' $port "redis://127.0.0.1:$redisPort/0"

        $proxy = Start-CcrProxy -ConfigPath $cfg -PassThru -WarningVariable startWarnings
        $startWarnings | Should -BeNullOrEmpty
        $proxy.Persistence | Should -BeLike 'redis (connected to redis://127.0.0.1:*'
        (Get-CcrProxy -Port $port).Persistence | Should -BeLike 'redis (connected*'
        (Invoke-RestMethod "http://127.0.0.1:$port/health").persistence | Should -BeLike 'redis (connected*'
        (Send-Message $port).content[0].text | Should -Not -BeNullOrEmpty

        $default = [Runtime.Loader.AssemblyLoadContext]::Default.Assemblies | Where-Object { $_.GetName().Name -in 'StackExchange.Redis', 'RESPite' }
        $default | Should -BeNullOrEmpty
        $loaded = [Runtime.Loader.AssemblyLoadContext]::All | Where-Object { $_.Assemblies.GetName().Name -contains 'StackExchange.Redis' }
        @($loaded).Count | Should -Be 1
        $loaded.Name | Should -Not -Be 'Default'

        Stop-CcrProxy -Port $port -Confirm:$false | Out-Null
        $script:sharedConfig = $cfg
    }

    It 'Get-CcrUsage with no proxy running reads every machine''s counts from Redis' -Skip:$skipRedis {
        # Another machine: a state folder of its own that has never counted anything.
        $env:CCR_HOME = Join-Path $root 'machine-2'
        try {
            $row = Get-CcrUsage -ConfigPath $sharedConfig -WarningVariable usageWarnings
            # (The literal test key draws the config's own warnings; none may be about Redis.)
            @($usageWarnings | Where-Object { "$_" -like '*Persistence*' }) | Should -BeNullOrEmpty
            $row.Requests | Should -Be 1
            $row.Source | Should -BeLike '*usage.json and redis (connected*'
        }
        finally {
            $env:CCR_HOME = $root
        }
    }

    It 'warns at start when Redis cannot be reached, and routes on the local store' {
        $deadPort = Get-FreePort
        $port = Get-FreePort; $script:ports += $port
        $cfg = Write-Config 'unreachable' $port "redis://127.0.0.1:$deadPort/0"

        $proxy = Start-CcrProxy -ConfigPath $cfg -PassThru -WarningVariable startWarnings -WarningAction SilentlyContinue
        ($startWarnings -join "`n") | Should -BeLike '*Persistence: redis (unreachable since*using local)*'
        (Send-Message $port).content[0].text | Should -Not -BeNullOrEmpty
        $proxy.Persistence | Should -BeLike 'redis (*'

        Stop-CcrProxy -Port $port -Confirm:$false | Out-Null
    }

    It 'says how to fix a bad redis_url and stays local' {
        $port = Get-FreePort; $script:ports += $port
        $cfg = Write-Config 'badurl' $port 'http://127.0.0.1:6379'

        $proxy = Start-CcrProxy -ConfigPath $cfg -PassThru -WarningVariable startWarnings -WarningAction SilentlyContinue
        ($startWarnings -join "`n") | Should -BeLike "*Persistence.redis_url*only redis:// and rediss:// (TLS)*"
        $proxy.Persistence | Should -Be 'local'
        (Send-Message $port).content[0].text | Should -Not -BeNullOrEmpty

        Stop-CcrProxy -Port $port -Confirm:$false | Out-Null
    }
}
