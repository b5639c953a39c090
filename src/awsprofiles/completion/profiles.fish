# fish completion for profiles: profile names, commands, options, settings, regions, paths.
# Install: profiles completion fish > ~/.config/fish/completions/profiles.fish
# Each <TAB> asks profiles itself (the words before the cursor, unescaped), which answers a
# directive line and then one candidate a line: value<TAB>description.

function __profiles_complete
    set -l tokens (commandline -opc)
    set -l current (commandline -ct | string unescape)
    set -q current[1]; or set current ''
    set -l answer (env _PROFILES_COMPLETE=fish $tokens $current 2>/dev/null)
    or return
    set -l directive (string split -m 1 \t -- $answer[1])
    switch $directive[1]
        case file dir
            set -l prefix $directive[2]
            set -l path (string sub -s (math (string length -- "$prefix") + 1) -- $current)
            if test $directive[1] = dir
                __fish_complete_directories $path
            else
                __fish_complete_path $path
            end | string replace -r -- '^' "$prefix"
        case plain
            printf '%s\n' $answer[2..-1]
    end
end

complete -c profiles -f -a '(__profiles_complete)'
