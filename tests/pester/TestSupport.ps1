# Helpers the Pester files share; each dot-sources this file in its BeforeAll.

function Start-FakeUpstream {
    # Starts tests/FakeUpstream on a free loopback port. Its stdin stays open: closing it stops the fake.
    $fakeDll = Get-ChildItem (Join-Path $PSScriptRoot '../FakeUpstream/bin/*/net10.0/FakeUpstream.dll') |
        Sort-Object LastWriteTime -Descending | Select-Object -First 1
    if (-not $fakeDll) { throw 'FakeUpstream is not built: run ./build.ps1 first.' }
    $psi = [Diagnostics.ProcessStartInfo]::new('dotnet')
    $psi.ArgumentList.Add($fakeDll.FullName)
    $psi.RedirectStandardInput = $true; $psi.RedirectStandardOutput = $true; $psi.UseShellExecute = $false
    $process = [Diagnostics.Process]::Start($psi)
    $line = $process.StandardOutput.ReadLine()
    if ($line -notmatch '^listening (http://\S+?)/?$') { throw "FakeUpstream said '$line'." }
    [pscustomobject]@{ Process = $process; BaseUrl = $Matches[1] }
}

function Get-FreePort {
    # A loopback port nothing listens on right now (the OS picks it; the probe is closed again at once).
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
    $port
}
