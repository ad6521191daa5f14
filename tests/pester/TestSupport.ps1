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

function Test-PortFree([int] $Port) {
    # Whether nothing listens on the loopback port now (a listener of our own can take it).
    try { $l = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, $Port); $l.Start(); $l.Stop(); $true }
    catch { $false }
}

function Start-ChildPwsh([string] $Command) {
    # The same pwsh as this one (a dotnet tool: the muxer plus pwsh.dll), its output redirected and no input.
    $psi = [Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
    if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') {
        $psi.ArgumentList.Add([Reflection.Assembly]::GetEntryAssembly().Location)
    }
    foreach ($a in @('-NoProfile', '-NonInteractive', '-Command', $Command)) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.RedirectStandardInput = $true
    $psi.UseShellExecute = $false
    $p = [Diagnostics.Process]::Start($psi)
    $p.StandardInput.Close()
    $p
}

function Invoke-ChildPwsh([string] $Command, [int] $TimeoutSeconds = 60) {
    # A child pwsh with a bounded run time.
    $p = Start-ChildPwsh $Command
    $out = $p.StandardOutput.ReadToEndAsync(); $err = $p.StandardError.ReadToEndAsync()
    if (-not $p.WaitForExit($TimeoutSeconds * 1000)) { $p.Kill($true); throw "child pwsh timed out: $Command" }
    [pscustomobject]@{ ExitCode = $p.ExitCode; Out = $out.Result.Trim(); Err = $err.Result.Trim(); Pid = $p.Id }
}
