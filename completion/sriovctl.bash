# bash completion for sriovctl(8)                           -*- shell-script -*-
# SPDX-License-Identifier: MIT
# Commands, each command's options, desired-state files (*.yaml) where a
# FILE goes, saved plans (*.json) after --plan and -o, and for qemu-args
# the libvirt domains (virsh list --all --name, quietly). Self-contained:
# bash-completion's helpers are not needed.

_sriovctl_commands="validate show plan apply qemu-args doctor metrics help"
# options every command takes
_sriovctl_global="--quiet -q --verbose -v --help -h --version -V"
# options that take an argument (the word after them is not the command)
_sriovctl_with_arg="-f --file --state --root --libvirt --format -o --out --output --plan --timeout --lock-timeout --only --scope --wait-pfs --color"

# _sriovctl_options COMMAND: the options COMMAND takes
_sriovctl_options()
{
	local own
	local host="--file -f --state --root --libvirt --timeout"
	case $1 in
	validate) own="--file -f --root --json --format" ;;
	show) own="$host --json --format" ;;
	plan) own="$host --json --format --detailed-exitcode --out -o --only --scope --wait-pfs --force --color" ;;
	apply) own="$host --json --format --plan --only --scope --wait-pfs --dry-run --force --lock-timeout --color" ;;
	qemu-args) own="$host" ;;
	doctor) own="$host --json --format" ;;
	metrics) own="$host --output" ;;
	help) own="" ;;
	*) own="$host --json --format --detailed-exitcode --out -o --plan --only --scope --wait-pfs --dry-run --force --lock-timeout --color" ;;
	esac
	echo "$_sriovctl_global $own"
}

# _sriovctl_words WORDS CUR: add the words of WORDS that start with CUR
_sriovctl_words()
{
	mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -W "$1" -- "$2")
}

# _sriovctl_files CUR PATTERN...: directories and the files matching a pattern
_sriovctl_files()
{
	local cur=$1 f p
	shift
	compopt -o filenames 2>/dev/null
	while IFS= read -r f; do
		if [ -d "$f" ]; then
			COMPREPLY+=("$f/")
			continue
		fi
		for p in "$@"; do
			# shellcheck disable=SC2254
			case $f in
			$p) COMPREPLY+=("$f") ;;
			esac
		done
	done < <(compgen -f -- "$cur")
	# a directory alone: let the user go on inside it
	[ "${#COMPREPLY[@]}" -eq 1 ] && [ "${COMPREPLY[0]%/}" != "${COMPREPLY[0]}" ] &&
		compopt -o nospace 2>/dev/null
	return 0
}

# _sriovctl_domains CUR URI: libvirt domain names, nothing if virsh fails
_sriovctl_domains()
{
	local cur=$1 uri=$2 names
	names=$(timeout 5 virsh ${uri:+-c "$uri"} -q list --all --name 2>/dev/null </dev/null) ||
		return 0
	local IFS=$'\n'
	_sriovctl_words "$names" "$cur"
}

_sriovctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local cmd="" uri=${SRIOVCTL_LIBVIRT_URI:-} npos=0 i w
	COMPREPLY=()

	# the command, the libvirt URI given, and how many arguments it has before cur
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case " $_sriovctl_with_arg " in
		*" $w "*)
			[ "$w" = --libvirt ] && uri=${COMP_WORDS[i + 1]}
			i=$((i + 1))
			continue
			;;
		esac
		case $w in
		--libvirt=*) uri=${w#--libvirt=} ;;
		-*) ;;
		*) if [ -z "$cmd" ]; then cmd=$w; else npos=$((npos + 1)); fi ;;
		esac
	done

	case $prev in
	-f | --file | --state) _sriovctl_files "$cur" '*.yaml' '*.yml'; return 0 ;;
	--plan | -o | --out) _sriovctl_files "$cur" '*.json'; return 0 ;;
	--output) _sriovctl_files "$cur" '*.prom'; return 0 ;;
	--root)
		compopt -o dirnames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return 0
		;;
	--format)
		_sriovctl_words "text json$([ "$cmd" = show ] && echo ' state spec dot')$([ "$cmd" = plan ] && echo ' dot')" "$cur"
		return 0
		;;
	--libvirt) _sriovctl_words "qemu:///system qemu:///session" "$cur"; return 0 ;;
	--scope) _sriovctl_words "host guests all" "$cur"; return 0 ;;
	--color) _sriovctl_words "auto always never" "$cur"; return 0 ;;
	--only)
		# the SR-IOV PFs of this host (their PCI addresses)
		local d pfs=""
		for d in /sys/bus/pci/devices/*/sriov_totalvfs; do
			[ -e "$d" ] && d=${d%/sriov_totalvfs} && pfs+=" ${d##*/}"
		done
		_sriovctl_words "$pfs" "$cur"
		return 0
		;;
	--timeout | --lock-timeout | --wait-pfs) return 0 ;;
	esac

	if [[ $cur == -* ]]; then
		_sriovctl_words "$(_sriovctl_options "$cmd")" "$cur"
		return 0
	fi
	case $cmd in
	"") _sriovctl_words "$_sriovctl_commands" "$cur" ;;
	help) [ "$npos" -eq 0 ] && _sriovctl_words "$_sriovctl_commands" "$cur" ;;
	qemu-args)
		if [ "$npos" -eq 0 ]; then
			_sriovctl_domains "$cur" "$uri"
		else
			_sriovctl_files "$cur" '*.yaml' '*.yml'
		fi
		;;
	*) _sriovctl_files "$cur" '*.yaml' '*.yml' ;;
	esac
	return 0
}
complete -F _sriovctl sriovctl
