# PowerShell completion for profiles: profile names, commands, options, settings, regions.
# Install: add this line to $PROFILE:  profiles completion powershell | Out-String | Invoke-Expression
# Each <TAB> asks profiles itself (the words before the cursor, one a line, in an environment
# variable), which answers a directive line and then one candidate a line:
# text<TAB>value<TAB>description, the text already quoted for PowerShell.

Register-ArgumentCompleter -Native -CommandName 'profiles', 'profiles.exe' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = [System.Collections.Generic.List[string]]::new()
    foreach ($element in ($commandAst.CommandElements | Select-Object -Skip 1)) {
        if ($element.Extent.StartOffset -ge $cursorPosition) { break }
        if ($wordToComplete -and $element.Extent.EndOffset -ge $cursorPosition) { break }
        if ($element -is [System.Management.Automation.Language.StringConstantExpressionAst]) {
            $words.Add($element.Value)
        } else {
            $words.Add($element.Extent.Text)
        }
    }
    $current = $wordToComplete
    if ($current -match "^['`"]") { $current = $current.Substring(1).Replace("''", "'") }
    $words.Add($current)
    $program = $commandAst.CommandElements[0].Extent.Text
    $env:_PROFILES_COMPLETE = 'powershell'
    $env:_PROFILES_COMPLETE_WORDS = $words -join "`n"
    try {
        $answer = @(& $program 2>$null)
    } finally {
        Remove-Item Env:_PROFILES_COMPLETE, Env:_PROFILES_COMPLETE_WORDS -ErrorAction SilentlyContinue
    }
    # file and dir: returning nothing lets PowerShell complete the path itself.
    if ($answer.Count -lt 2 -or $answer[0] -ne 'plain') { return }
    foreach ($line in ($answer | Select-Object -Skip 1)) {
        $text, $value, $description = $line -split "`t", 3
        [System.Management.Automation.CompletionResult]::new($text, $value, 'ParameterValue', $description)
    }
}
