#compdef profiles
# zsh completion for profiles: profile names, commands, options, settings, regions, paths.
# Install: profiles completion zsh > ~/.zfunc/_profiles, with fpath=(~/.zfunc $fpath) before
# compinit in ~/.zshrc; or: source <(profiles completion zsh) after compinit.
# Each <TAB> asks profiles itself (the words before the cursor, unquoted), which answers a
# directive line and then one candidate a line: value<TAB>description.

_profiles() {
    local -a lines values displays
    local directive line value description
    lines=("${(@f)$(_PROFILES_COMPLETE=zsh command ${(Q)words[1]} "${(@Q)words[2,CURRENT-1]}" "${(Q)PREFIX}" 2>/dev/null)}")
    directive=${lines[1]%%$'\t'*}
    if [[ $directive == file || $directive == dir ]]; then
        [[ ${lines[1]} == *$'\t'?* ]] && compset -P '*='
        if [[ $directive == dir ]]; then _files -/; else _files; fi
        return
    fi
    [[ $directive == plain ]] || return 1
    for line in "${(@)lines[2,-1]}"; do
        [[ -n $line ]] || continue
        value=${line%%$'\t'*}
        description=${line#*$'\t'}
        values+=("$value")
        if [[ $line == *$'\t'* ]]; then displays+=("$value  -- $description"); else displays+=("$value"); fi
    done
    (( ${#values} )) || return 1
    compadd -l -d displays -a values
}

if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
    _profiles "$@"
else
    compdef _profiles profiles
fi
