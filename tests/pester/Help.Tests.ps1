# Help for every cmdlet the module exports or its manifest declares, the about topic, and the
# markdown-to-MAML converter that produces the cmdlet help.
BeforeDiscovery {
    Import-Module $env:CCR_TEST_MODULE -Force
    $manifest = Import-PowerShellDataFile (Join-Path $env:CCR_TEST_MODULE 'Ccr.psd1')
    # The union, so a cmdlet the manifest names but the module lacks still gets (failing) tests.
    $names = @(@((Get-Command -Module Ccr -CommandType Cmdlet).Name) + @($manifest.CmdletsToExport) |
            Where-Object { $_ } | Sort-Object -Unique)
    $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
    $script:cmdletCases = foreach ($name in $names) {
        $command = Get-Command -Module Ccr -Name $name -CommandType Cmdlet -ErrorAction SilentlyContinue
        $parameters = if ($command) { @($command.Parameters.Keys | Where-Object { $_ -notin $common } | Sort-Object) } else { @() }
        @{ Name = $name; Parameters = @($parameters | ForEach-Object { @{ Cmdlet = $name; Parameter = $_ } }) }
    }
    $script:declaredCount = @($manifest.CmdletsToExport).Count
    $script:coverageTitle = 'exports as many cmdlets as the manifest declares, and at least one'
    if ($declaredCount -eq 0) { $script:coverageTitle += ' (skipped: the manifest lists no cmdlets yet)' }
}

BeforeAll {
    Import-Module $env:CCR_TEST_MODULE -Force
    $script:manifest = Import-PowerShellDataFile (Join-Path $env:CCR_TEST_MODULE 'Ccr.psd1')
}

Describe 'Ccr cmdlet help coverage' {
    It $coverageTitle -Skip:($declaredCount -eq 0) {
        $exported = @(Get-Command -Module Ccr -CommandType Cmdlet)
        $exported.Count | Should -Be @($manifest.CmdletsToExport).Count
        $exported.Count | Should -BeGreaterThan 0
    }
}

Describe 'Help for <Name>' -ForEach $cmdletCases {
    BeforeAll {
        $script:help = Get-Help -Name $Name -Full -ErrorAction Stop
    }

    It 'has a written synopsis, not the generated syntax line' {
        $synopsis = "$($help.Synopsis)".Trim()
        $synopsis | Should -Not -BeNullOrEmpty
        # Without MAML, Get-Help makes the synopsis from the syntax, which starts with the name.
        $synopsis | Should -Not -Match ('^' + [regex]::Escape($Name) + '(\s|$)')
    }

    It 'has a description' {
        ($help.description.Text -join ' ').Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has at least two examples with code' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        $examples | ForEach-Object { "$($_.code)".Trim() | Should -Not -BeNullOrEmpty }
    }

    It 'describes -<Parameter>' -ForEach $Parameters {
        $parameterHelp = Get-Help -Name $Cmdlet -Parameter $Parameter -ErrorAction Stop
        ($parameterHelp.description.Text -join ' ').Trim() | Should -Not -BeNullOrEmpty
    }
}

Describe 'about_Ccr' {
    It 'is shown by Get-Help about_Ccr' {
        $text = Get-Help about_Ccr | Out-String
        $text | Should -Match 'about_Ccr'
        $text | Should -Match 'CCR_CONFIG'
        $text | Should -Match 'ccr-qwen'
    }
}

Describe 'ConvertTo-CcrMaml' {
    BeforeAll {
        . (Join-Path $PSScriptRoot '../../build/HelpMaml.ps1')
        $script:ns = @{
            msh     = 'http://msh'
            maml    = 'http://schemas.microsoft.com/maml/2004/10'
            command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
            dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
        }
        $script:markdown = @'
# Get-CcrSample
## SYNOPSIS
Gets a sample <thing> & "more".
## DESCRIPTION
First paragraph
continues here.

Second paragraph.
## PARAMETERS
### -ConfigPath
Path to the config.
### -Name
The name.
## EXAMPLES
### Example 1: basic
```powershell
Get-CcrSample -Name 'a' | Where-Object { $_.X -lt 3 }
# a comment, not a heading
```
First remark.
### Example 2: second
```powershell
Get-CcrSample
```
Second remark.
## OUTPUTS
### Ccr.PowerShell.SampleInfo
The sample.
## NOTES
A note.
'@
        $path = Join-Path $TestDrive 'Get-CcrSample.md'
        Set-Content -Path $path -Value $markdown -Encoding utf8NoBOM
        $script:xml = ConvertTo-CcrMaml -Files (Get-Item $path)
        $script:doc = [xml]$xml
        function Select-Maml([string] $XPath) { @(Select-Xml -Xml $doc -XPath $XPath -Namespace $ns | ForEach-Object { $_.Node }) }
    }

    It 'writes well-formed MAML with the name, verb and noun' {
        (Select-Maml '/msh:helpItems/command:command/command:details/command:name').InnerText | Should -Be 'Get-CcrSample'
        (Select-Maml '//command:details/command:verb').InnerText | Should -Be 'Get'
        (Select-Maml '//command:details/command:noun').InnerText | Should -Be 'CcrSample'
    }

    It 'escapes markup characters in text' {
        (Select-Maml '//command:details/maml:description/maml:para').InnerText | Should -Be 'Gets a sample <thing> & "more".'
        $xml | Should -Match '&lt;thing&gt; &amp;'
    }

    It 'joins description lines into paragraphs' {
        $paras = Select-Maml '/msh:helpItems/command:command/maml:description/maml:para'
        $paras.InnerText | Should -Be @('First paragraph continues here.', 'Second paragraph.')
    }

    It 'describes each parameter' {
        $parameters = Select-Maml '//command:parameters/command:parameter'
        $parameters.Count | Should -Be 2
        (Select-Maml "//command:parameters/command:parameter[maml:name='Name']/maml:description/maml:para").InnerText | Should -Be 'The name.'
    }

    It 'keeps example code verbatim and remarks apart' {
        $examples = Select-Maml '//command:examples/command:example'
        $examples.Count | Should -Be 2
        $code = (Select-Maml '//command:example[1]/dev:code').InnerText
        $code | Should -Be "Get-CcrSample -Name 'a' | Where-Object { `$_.X -lt 3 }`n# a comment, not a heading"
        (Select-Maml '//command:example[1]/maml:title').InnerText | Should -Match 'Example 1: basic'
        (Select-Maml '//command:example[2]/dev:remarks/maml:para').InnerText | Should -Be 'Second remark.'
    }

    It 'writes outputs and notes' {
        (Select-Maml '//command:returnValues/command:returnValue/dev:type/maml:name').InnerText | Should -Be 'Ccr.PowerShell.SampleInfo'
        (Select-Maml '//maml:alertSet/maml:alert/maml:para').InnerText | Should -Be 'A note.'
    }

    It 'names the file when the synopsis is missing' {
        $bad = Join-Path $TestDrive 'Get-CcrBad.md'
        Set-Content -Path $bad -Value "# Get-CcrBad`n## DESCRIPTION`ntext" -Encoding utf8NoBOM
        { ConvertTo-CcrMaml -Files (Get-Item $bad) } | Should -Throw '*Get-CcrBad.md*SYNOPSIS*'
    }

    It 'gives Get-Help the synopsis, syntax, parameters and examples of a real binary cmdlet' {
        $moduleDir = Join-Path $TestDrive 'SampleModule'
        New-Item -ItemType Directory -Path (Join-Path $moduleDir 'en-US') -Force | Out-Null
        $dll = Join-Path $moduleDir 'Ccr.HelpSample.dll'
        Add-Type -OutputAssembly $dll -OutputType Library -TypeDefinition @'
using System.Management.Automation;
namespace Ccr.HelpSample
{
    [Cmdlet(VerbsCommon.Get, "CcrSample")]
    [OutputType(typeof(string))]
    public sealed class GetCcrSampleCommand : PSCmdlet
    {
        [Parameter] public string ConfigPath { get; set; }
        [Parameter(Position = 0, Mandatory = true)] public string Name { get; set; }
        protected override void ProcessRecord() { WriteObject(Name); }
    }
}
'@
        $maml = ConvertTo-CcrMaml -Files (Get-Item (Join-Path $TestDrive 'Get-CcrSample.md')) -ModulePath $dll
        [IO.File]::WriteAllText((Join-Path $moduleDir 'en-US/Ccr.HelpSample.dll-Help.xml'), $maml)
        # A separate runspace, so the sample module never mixes with Ccr in this session's module table.
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$dll'; `$h = Get-Help Get-CcrSample -Full; `$h.Synopsis; (`$h.syntax | Out-String).Trim(); @(`$h.examples.example).Count; (Get-Help Get-CcrSample -Parameter Name).description.Text")
            $out = @($ps.Invoke() | ForEach-Object { "$_" })
            $ps.Streams.Error | Should -BeNullOrEmpty
        }
        finally { $ps.Dispose() }
        $out[0] | Should -Be 'Gets a sample <thing> & "more".'
        $out[1] | Should -Match '^Get-CcrSample \[-Name\] <String> \[-ConfigPath <String>\]'
        $out[2] | Should -Be '2'
        $out[3] | Should -Be 'The name.'
    }
}
