# Turns docs/help/<Verb-Noun>.md files into one MAML help file (Ccr.PowerShell.dll-Help.xml) that
# Get-Help reads for the binary cmdlets. platyPS is not served here, so this reads the one markdown
# shape Ccr's help uses:
#
#   # Verb-Noun
#   ## SYNOPSIS          one line (required)
#   ## DESCRIPTION       paragraphs (required)
#   ## PARAMETERS        ### -Name, then its paragraphs (optional)
#   ## EXAMPLES          ### Example 1: title, a ```powershell fence, then remarks paragraphs
#   ## INPUTS / OUTPUTS  ### Type.Name, then paragraphs (optional)
#   ## NOTES             paragraphs (optional)
#
# Anything else under a known heading is kept as text; unknown H2 sections are ignored.

Set-StrictMode -Version 3.0

function Read-CcrHelpMarkdown {
    <#
    .SYNOPSIS
        Parses one help markdown file into a hashtable (Name, Synopsis, Description, Parameters, Examples, Inputs, Outputs, Notes).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Path)

    $lines = [IO.File]::ReadAllLines($Path)
    $help = [ordered]@{
        Name = $null; Synopsis = $null; Description = @(); Parameters = [Collections.Generic.List[object]]::new()
        Examples = [Collections.Generic.List[object]]::new(); Inputs = [Collections.Generic.List[object]]::new()
        Outputs = [Collections.Generic.List[object]]::new(); Notes = @()
    }
    $section = ''
    $item = $null
    $text = [Collections.Generic.List[string]]::new()
    $inFence = $false
    $fence = [Collections.Generic.List[string]]::new()

    # Ends the paragraph text gathered so far and files it under the current section or item.
    $flush = {
        $paragraphs = ConvertTo-CcrParagraphs $text
        $text.Clear()
        if ($paragraphs.Count -eq 0) { return }
        if ($null -ne $item) { $item.Text += $paragraphs; return }
        switch ($section) {
            'SYNOPSIS' { $help.Synopsis = (@($help.Synopsis) + $paragraphs | Where-Object { $_ }) -join ' ' }
            'DESCRIPTION' { $help.Description += $paragraphs }
            'NOTES' { $help.Notes += $paragraphs }
        }
    }

    for ($i = 0; $i -lt $lines.Count; $i++) {
        $line = $lines[$i]
        if ($inFence) {
            if ($line -match '^\s*```\s*$') {
                $inFence = $false
                if ($null -ne $item -and $section -eq 'EXAMPLES') {
                    $item.Code += , ($fence -join "`n")
                }
                else {
                    $text.Add(($fence -join "`n"))
                    $text.Add('')
                }
                $fence.Clear()
            }
            else { $fence.Add($line) }
            continue
        }
        if ($line -match '^\s*```') {
            . $flush
            $inFence = $true
            continue
        }
        if ($line -match '^#\s+(\S.*?)\s*$') {
            . $flush
            $help.Name = $Matches[1]
            continue
        }
        if ($line -match '^##\s+(\S.*?)\s*$') {
            . $flush
            $section = $Matches[1].ToUpperInvariant()
            $item = $null
            continue
        }
        if ($line -match '^###\s+(\S.*?)\s*$') {
            . $flush
            $title = $Matches[1]
            $item = $null
            switch ($section) {
                'PARAMETERS' { $item = @{ Name = $title.TrimStart('-'); Text = @() }; $help.Parameters.Add($item) }
                'EXAMPLES' { $item = @{ Title = $title; Code = @(); Text = @() }; $help.Examples.Add($item) }
                'INPUTS' { $item = @{ Name = $title; Text = @() }; $help.Inputs.Add($item) }
                'OUTPUTS' { $item = @{ Name = $title; Text = @() }; $help.Outputs.Add($item) }
            }
            continue
        }
        $text.Add($line)
    }
    if ($inFence) { throw "Help file '$Path' has a code fence (```) that is never closed. Close it with a line of three backticks." }
    . $flush

    if (-not $help.Name) { throw "Help file '$Path' has no '# Verb-Noun' title on its first heading line. Add one, e.g. '# Get-CcrTier'." }
    if (-not $help.Synopsis) { throw "Help file '$Path' ($($help.Name)) has no '## SYNOPSIS' text. Add a one-line synopsis under '## SYNOPSIS'." }
    return $help
}

function ConvertTo-CcrParagraphs {
    # Blank lines separate paragraphs; lines inside one paragraph are joined with spaces.
    param([Collections.Generic.List[string]] $Lines)
    $paragraphs = [Collections.Generic.List[string]]::new()
    $current = [Collections.Generic.List[string]]::new()
    foreach ($line in $Lines) {
        if ($line.Trim().Length -eq 0) {
            if ($current.Count -gt 0) { $paragraphs.Add(($current -join ' ')); $current.Clear() }
        }
        elseif ($line.Contains("`n")) {
            # A fenced block outside an example stays one paragraph with its line breaks.
            if ($current.Count -gt 0) { $paragraphs.Add(($current -join ' ')); $current.Clear() }
            $paragraphs.Add($line)
        }
        else { $current.Add($line.Trim()) }
    }
    if ($current.Count -gt 0) { $paragraphs.Add(($current -join ' ')) }
    return , $paragraphs.ToArray()
}

function ConvertTo-CcrMaml {
    <#
    .SYNOPSIS
        Converts help markdown files to one MAML document (a UTF-8 XML string).
    .PARAMETER Files
        The docs/help/<Verb-Noun>.md files, one cmdlet each.
    .PARAMETER ModulePath
        The laid-out module. When given, the cmdlets are read (in a separate runspace) for syntax,
        parameter types, positions, mandatory and pipeline flags: Get-Help shows only what the MAML
        holds and does not merge them from the cmdlet. Without it the MAML has descriptions only.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)] [AllowEmptyCollection()] [IO.FileInfo[]] $Files,
        [string] $ModulePath
    )

    $commands = @{}
    if ($ModulePath) {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', $ModulePath).AddParameter('PassThru', $true)
            $module = @($ps.Invoke())[0]
            if ($ps.HadErrors -or -not $module) { throw "Could not import '$ModulePath' to read its cmdlets for help: $($ps.Streams.Error -join '; ')" }
            foreach ($cmdlet in $module.ExportedCmdlets.Values) { $commands[$cmdlet.Name] = $cmdlet }
        }
        finally { $ps.Dispose() }
    }

    $maml = 'http://schemas.microsoft.com/maml/2004/10'
    $command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    $dev = 'http://schemas.microsoft.com/maml/dev/2004/10'

    $settings = [Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.Encoding = [Text.UTF8Encoding]::new($false)
    $buffer = [IO.MemoryStream]::new()
    $w = [Xml.XmlWriter]::Create($buffer, $settings)

    $paras = {
        param([string[]] $Paragraphs)
        foreach ($p in @($Paragraphs)) { $w.WriteElementString('para', $maml, $p) }
    }

    $w.WriteStartDocument()
    $w.WriteStartElement('helpItems', 'http://msh')
    $w.WriteAttributeString('schema', 'maml')
    foreach ($file in $Files) {
        $help = Read-CcrHelpMarkdown -Path $file.FullName
        $verb, $noun = $help.Name -split '-', 2

        $w.WriteStartElement('command', 'command', $command)
        $w.WriteAttributeString('xmlns', 'maml', $null, $maml)
        $w.WriteAttributeString('xmlns', 'command', $null, $command)
        $w.WriteAttributeString('xmlns', 'dev', $null, $dev)

        $w.WriteStartElement('details', $command)
        $w.WriteElementString('name', $command, $help.Name)
        $w.WriteElementString('verb', $command, $verb)
        $w.WriteElementString('noun', $command, $noun)
        $w.WriteStartElement('description', $maml); & $paras @($help.Synopsis); $w.WriteEndElement()
        $w.WriteEndElement()

        $w.WriteStartElement('description', $maml); & $paras $help.Description; $w.WriteEndElement()

        $cmdlet = $commands[$help.Name]
        $documented = @{}
        foreach ($parameter in $help.Parameters) { $documented[$parameter.Name] = $parameter.Text }
        if ($cmdlet) {
            foreach ($name in $documented.Keys) {
                if (-not $cmdlet.Parameters.ContainsKey($name)) {
                    Write-Warning "$($file.Name) documents -$name, which $($help.Name) does not have. Remove it or fix the name."
                }
            }
            Write-CcrMamlSyntax -Writer $w -Cmdlet $cmdlet
        }

        $w.WriteStartElement('parameters', $command)
        if ($cmdlet) {
            foreach ($metadata in (Get-CcrDocumentedParameters $cmdlet)) {
                $text = $documented[$metadata.Name]
                if (-not $text) { $text = $script:CcrStandardParameterText[$metadata.Name] }
                Write-CcrMamlParameter -Writer $w -Metadata $metadata -Text $text -Paras $paras
            }
        }
        else {
            foreach ($parameter in $help.Parameters) {
                Write-CcrMamlParameter -Writer $w -Name $parameter.Name -Text $parameter.Text -Paras $paras
            }
        }
        $w.WriteEndElement()

        foreach ($kind in @(@('inputTypes', 'inputType', $help.Inputs), @('returnValues', 'returnValue', $help.Outputs))) {
            $w.WriteStartElement($kind[0], $command)
            foreach ($type in $kind[2]) {
                $w.WriteStartElement($kind[1], $command)
                $w.WriteStartElement('type', $dev); $w.WriteElementString('name', $maml, $type.Name); $w.WriteEndElement()
                $w.WriteStartElement('description', $maml); & $paras $type.Text; $w.WriteEndElement()
                $w.WriteEndElement()
            }
            $w.WriteEndElement()
        }

        if ($help.Notes.Count -gt 0) {
            $w.WriteStartElement('alertSet', $maml)
            $w.WriteStartElement('alert', $maml); & $paras $help.Notes; $w.WriteEndElement()
            $w.WriteEndElement()
        }

        $w.WriteStartElement('examples', $command)
        foreach ($example in $help.Examples) {
            $w.WriteStartElement('example', $command)
            $w.WriteElementString('title', $maml, "-------------------------- $($example.Title) --------------------------")
            $w.WriteElementString('code', $dev, ($example.Code -join "`n`n"))
            $w.WriteStartElement('remarks', $dev); & $paras $example.Text; $w.WriteEndElement()
            $w.WriteEndElement()
        }
        $w.WriteEndElement()

        $w.WriteEndElement() # command
    }
    $w.WriteEndElement() # helpItems
    $w.WriteEndDocument()
    $w.Flush()
    $w.Dispose()
    return [Text.Encoding]::UTF8.GetString($buffer.ToArray())
}

$script:CcrStandardParameterText = @{
    WhatIf  = @('Shows what would happen if the cmdlet runs. The cmdlet is not run.')
    Confirm = @('Prompts you for confirmation before running the cmdlet.')
}

function Get-CcrDocumentedParameters {
    # Every parameter Get-Help lists: all but the common ones (WhatIf and Confirm stay, as in built-in help).
    param([Management.Automation.CommandInfo] $Cmdlet)
    $common = [Management.Automation.Cmdlet]::CommonParameters
    $Cmdlet.Parameters.Values | Where-Object { $_.Name -notin $common }
}

function Get-CcrParameterFacts {
    # Required, position and pipeline input as Get-Help words them, merged over the parameter sets.
    param([Management.Automation.ParameterMetadata] $Metadata, [string] $SetName)
    $sets = if ($SetName) { @($Metadata.ParameterSets[$SetName]) } else { @($Metadata.ParameterSets.Values) }
    $required = [bool]($sets | Where-Object IsMandatory)
    $positions = @($sets | Where-Object { $_.Position -ge 0 } | ForEach-Object Position)
    $pipeline = @()
    if ($sets | Where-Object ValueFromPipeline) { $pipeline += 'ByValue' }
    if ($sets | Where-Object ValueFromPipelineByPropertyName) { $pipeline += 'ByPropertyName' }
    [pscustomobject]@{
        Required = $required.ToString().ToLowerInvariant()
        Position = if ($positions.Count -gt 0) { [string]$positions[0] } else { 'named' }
        Pipeline = if ($pipeline.Count -gt 0) { "True ($($pipeline -join ', '))" } else { 'False' }
        Aliases  = if ($Metadata.Aliases.Count -gt 0) { $Metadata.Aliases -join ', ' } else { 'none' }
        IsSwitch = $Metadata.SwitchParameter
        TypeName = $Metadata.ParameterType.Name
    }
}

function Write-CcrMamlParameter {
    param(
        [Xml.XmlWriter] $Writer,
        [Management.Automation.ParameterMetadata] $Metadata,
        [string] $Name,
        [string] $SetName,
        [string[]] $Text,
        [scriptblock] $Paras
    )
    $maml = 'http://schemas.microsoft.com/maml/2004/10'
    $command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    $dev = 'http://schemas.microsoft.com/maml/dev/2004/10'
    $facts = if ($Metadata) { Get-CcrParameterFacts $Metadata $SetName } else {
        [pscustomobject]@{ Required = 'false'; Position = 'named'; Pipeline = 'False'; Aliases = 'none'; IsSwitch = $false; TypeName = $null }
    }
    if ($Metadata) { $Name = $Metadata.Name }

    $Writer.WriteStartElement('parameter', $command)
    $Writer.WriteAttributeString('required', $facts.Required)
    $Writer.WriteAttributeString('variableLength', 'true')
    $Writer.WriteAttributeString('globbing', 'false')
    $Writer.WriteAttributeString('pipelineInput', $facts.Pipeline)
    $Writer.WriteAttributeString('position', $facts.Position)
    $Writer.WriteAttributeString('aliases', $facts.Aliases)
    $Writer.WriteElementString('name', $maml, $Name)
    if ($null -ne $Paras) {
        $Writer.WriteStartElement('description', $maml); & $Paras $Text; $Writer.WriteEndElement()
    }
    if ($facts.TypeName) {
        if (-not $facts.IsSwitch) {
            $Writer.WriteStartElement('parameterValue', $command)
            $Writer.WriteAttributeString('required', 'true')
            $Writer.WriteAttributeString('variableLength', 'false')
            $Writer.WriteString($facts.TypeName)
            $Writer.WriteEndElement()
        }
        $Writer.WriteStartElement('type', $dev); $Writer.WriteElementString('name', $maml, $facts.TypeName); $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

function Write-CcrMamlSyntax {
    # One syntax item per parameter set, parameters in position order, then named ones.
    param([Xml.XmlWriter] $Writer, [Management.Automation.CommandInfo] $Cmdlet)
    $maml = 'http://schemas.microsoft.com/maml/2004/10'
    $command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    $common = [Management.Automation.Cmdlet]::CommonParameters
    $Writer.WriteStartElement('syntax', $command)
    foreach ($set in $Cmdlet.ParameterSets) {
        $Writer.WriteStartElement('syntaxItem', $command)
        $Writer.WriteElementString('name', $maml, $Cmdlet.Name)
        $ordered = $set.Parameters | Where-Object { $_.Name -notin $common } |
            Sort-Object @{ Expression = { if ($_.Position -ge 0) { $_.Position } else { [int]::MaxValue } } }
        foreach ($parameter in $ordered) {
            $metadata = $Cmdlet.Parameters[$parameter.Name]
            $setName = if ($metadata.ParameterSets.ContainsKey($set.Name)) { $set.Name } else { '__AllParameterSets' }
            Write-CcrMamlParameter -Writer $Writer -Metadata $metadata -SetName $setName
        }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}
