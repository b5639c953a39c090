# bash completion for profiles: profile names, commands, options, settings, regions, paths.
# Install: profiles completion bash > ~/.local/share/bash-completion/completions/profiles
# (read only by the bash-completion package, in new shells; without it, or to load it now:
# eval "$(profiles completion bash)", e.g. in ~/.bashrc)
# Each <TAB> asks profiles itself (the line up to the cursor and COMP_WORDBREAKS), which
# answers a directive line and then the replies, already quoted for bash.

_profiles() {
    local cur=${COMP_WORDS[COMP_CWORD]} line
    local -a reply=()
    # Line by line, never word-split nor globbed: a reply may hold *, ? or escaped spaces.
    while IFS= read -r line; do
        reply+=("$line")
    done < <(
        _PROFILES_COMPLETE=bash _PROFILES_COMPLETE_LINE=${COMP_LINE:0:COMP_POINT} \
            _PROFILES_COMPLETE_BREAKS=$COMP_WORDBREAKS command "$1" 2>/dev/null
    )
    COMPREPLY=()
    case ${reply[0]%%$'\t'*} in
        file | dir)
            compopt -o filenames 2>/dev/null
            local option=-f
            [[ ${reply[0]%%$'\t'*} == dir ]] && option=-d
            while IFS= read -r line; do
                COMPREPLY+=("$line")
            done < <(compgen "$option" -- "$cur")
            ;;
        plain)
            COMPREPLY=("${reply[@]:1}")
            ;;
    esac
    return 0
}

complete -F _profiles profiles
