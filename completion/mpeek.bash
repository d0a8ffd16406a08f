# bash completion for mpeek(1): commands, options, and the values of
# --port (the serial ports 'mpeek ports' lists, auto, emu, ...), --board (the
# profiles 'mpeek regions --board list' lists), --theme (the built-in themes
# and your own), --format (per command), --method, --dtr/--rts, and files.
#
# Installed as share/bash-completion/completions/mpeek; to use it from the
# source folder: source completion/mpeek.bash
# Needs nothing but bash 4 (not the bash-completion package).

# The mpeek being completed (./mpeek in the source folder), else the one on
# PATH.
_mpeek_bin()
{
    local m=${COMP_WORDS[0]}
    m=${m/#\~/$HOME}
    if [[ $m == */* && -x $m ]]; then
        printf '%s\n' "$m"
    else
        type -P mpeek
    fi
}

_mpeek_themes()
{
    local m bin dir f
    local -a dirs=()
    printf '%s\n' default mono
    if [[ -n ${MPEEK_THEMES-} ]]; then
        dirs+=("$MPEEK_THEMES")
    else
        m=$(_mpeek_bin)
        if [[ -n $m ]]; then
            bin=$(readlink -f -- "$m" 2>/dev/null)
            bin=${bin%/*}
            dirs+=("$bin/themes" "$bin/../themes" "$bin/../share/mpeek/themes")
        fi
        dirs+=(/usr/local/share/mpeek/themes /usr/share/mpeek/themes)
    fi
    if [[ ${XDG_CONFIG_HOME-} == /* ]]; then
        dirs+=("$XDG_CONFIG_HOME/mpeek/themes")
    elif [[ -n ${HOME-} ]]; then
        dirs+=("$HOME/.config/mpeek/themes")
    fi
    for dir in "${dirs[@]}"; do
        for f in "$dir"/*.theme; do
            [[ -e $f ]] || continue
            f=${f##*/}
            printf '%s\n' "${f%.theme}"
        done
    done
}

_mpeek_boards()
{
    local m
    m=$(_mpeek_bin)
    [[ -n $m ]] || return
    printf '%s\n' list
    "$m" regions --board list 2>/dev/null | while read -r name _; do
        [[ -n $name ]] && printf '%s\n' "$name"
    done
}

_mpeek_ports()
{
    local m
    printf '%s\n' auto emu id: tcp: execpty:
    m=$(_mpeek_bin)
    [[ -n $m ]] || return
    "$m" ports 2>/dev/null | while read -r name _; do
        [[ $name == /* ]] && printf '%s\n' "$name"
    done
}

# _mpeek_reply WORDS...: the words that start with $cur.
_mpeek_reply()
{
    local w
    COMPREPLY=()
    for w in "$@"; do
        [[ $w == "$cur"* ]] && COMPREPLY+=("$w")
    done
    # 'tcp:' and the like: let the user type on after the colon.
    for w in "${COMPREPLY[@]}"; do
        if [[ $w == *: ]]; then
            compopt -o nospace 2>/dev/null
            break
        fi
    done
}

_mpeek_files()
{
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}

_mpeek()
{
    local cur prev cmd i w
    local -a vals
    local commands="view info regions read where heap verify frozen obj dis modules snapshot open ports"
    local opts="-p --port -b --baud --dtr --rts -t --timeout --ld --ld-path
        --ld-defsym --board --image --base --offline --unsafe --method --chunk
        --no-progress --log --no-cache --theme --no-color --refresh -o --output --format
        --compare --depth --max-items --map -h --help -V --version"
    # Options that take a value (the next word, or after '=').
    local valued=" -p --port -b --baud --dtr --rts -t --timeout --ld --ld-path
        --ld-defsym --board --image --base --method --chunk --log --theme
        --refresh -o --output --format --compare --depth --max-items "
    valued=${valued//$'\n'/ }

    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=""
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    # --opt=VALUE: bash splits it into --opt, '=' and VALUE.
    if [[ $cur == "=" ]]; then
        cur=""
    elif [[ $prev == "=" ]] && ((COMP_CWORD > 1)); then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    fi

    # The command: the first word that is neither an option nor its value.
    cmd=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if [[ $w == "=" ]]; then
            ((i++))
        elif [[ $valued == *" $w "* ]]; then
            [[ ${COMP_WORDS[i + 1]-} == "=" ]] || ((i++))
        elif [[ $w != -* ]]; then
            cmd=$w
            break
        fi
    done

    case $prev in
    -p | --port)
        mapfile -t vals < <(_mpeek_ports)
        _mpeek_reply "${vals[@]}"
        if [[ $cur == /* ]]; then
            mapfile -t vals < <(compgen -f -- "$cur")
            COMPREPLY+=("${vals[@]}")
        fi
        return
        ;;
    --board)
        mapfile -t vals < <(_mpeek_boards)
        _mpeek_reply "${vals[@]}"
        return
        ;;
    --theme)
        if [[ $cur == */* ]]; then
            _mpeek_files
        else
            mapfile -t vals < <(_mpeek_themes | sort -u)
            _mpeek_reply "${vals[@]}"
        fi
        return
        ;;
    --format)
        case $cmd in
        read) _mpeek_reply bin hex ;;
        regions | frozen) _mpeek_reply table csv json ;;
        obj | dis) _mpeek_reply text json ;;
        *) _mpeek_reply table csv json bin hex ;;
        esac
        return
        ;;
    --method) _mpeek_reply auto bin b64 hex words; return ;;
    --depth | --max-items) return ;;
    --dtr | --rts) _mpeek_reply on off; return ;;
    -b | --baud) _mpeek_reply 9600 57600 115200 230400 460800 921600 1000000; return ;;
    --ld | --image | --log | -o | --output | --compare) _mpeek_files; return ;;
    --ld-path)
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
        return
        ;;
    -t | --timeout | --base | --chunk | --refresh | --ld-defsym) return ;;
    esac

    if [[ $cur == -* ]]; then
        # shellcheck disable=SC2086
        _mpeek_reply $opts
        return
    fi
    if [[ -z $cmd ]]; then
        # shellcheck disable=SC2086
        _mpeek_reply $commands
        return
    fi
    case $cmd in
    open | verify | snapshot)
        # The file is the command's first argument.
        local n=0
        for ((i = i + 1; i < COMP_CWORD; i++)); do
            w=${COMP_WORDS[i]}
            if [[ $valued == *" $w "* ]]; then
                ((i++))
            elif [[ $w != -* && $w != "=" ]]; then
                ((n++))
            fi
        done
        ((n == 0)) && _mpeek_files
        ;;
    esac
}

complete -F _mpeek mpeek
