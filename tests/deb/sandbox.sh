#!/usr/bin/env bash
# tests/deb/sandbox.sh UNITFILE KEY - run a service's command the way
# systemd would, as far as that can be done without systemd (root only).
#
#   tests/deb/sandbox.sh /lib/systemd/system/mailmond.service ExecStart
#
# KEY names a line of the unit that occurs once (ExecStart, ExecStartPre).
# The command replaces this script (exec), so $! of a caller that runs it
# in the background is the daemon's pid.  From the unit it takes User=,
# Group= and UMask=; it always applies the sandbox mailmond.service asks
# for, so a command that needs more than the unit grants fails here too:
#
#   ProtectSystem=strict   every mount read-only except /dev, /proc, /sys
#   PrivateTmp=yes         empty /tmp and /var/tmp of its own
#   ProtectHome=yes        /home, /root, /run/user empty and inaccessible
#   NoNewPrivileges=yes, CapabilityBoundingSet= (empty)
#   an environment like systemd's, working directory /, stdin /dev/null
#
# Not emulated: SystemCallFilter=, RestrictAddressFamilies= and
# MemoryDenyWriteExecute= (tests/deb/syscalls.py checks a trace of the
# daemon against them), PrivateDevices= and the Protect{Kernel,Clock}
# family.  Unit specifiers (%i ...), quotes, variables and Exec prefixes
# (- @ : + !) are refused: they would need systemd's own parser.
set -euo pipefail
unit=${1:?usage: $0 UNITFILE KEY}
key=${2:?usage: $0 UNITFILE KEY}
die() { echo "sandbox: $*" >&2; exit 2; }
(( EUID == 0 )) || die "needs root (mount namespace, user switch)"

# the value of KEY=, which must occur exactly once in [Service]
setting() {
	local v
	v=$(sed -n '/^\[Service\]/,/^\[/{s/^'"$1"'=//p}' "$unit")
	[[ $(printf '%s' "$v" | grep -c '^') -le 1 ]] || die "$1= occurs more than once in $unit"
	printf '%s' "$v"
}

cmd=$(setting "$key")
[[ -n $cmd ]] || die "no $key= in $unit"
case $cmd in
[-@:+!]*) die "$key: Exec prefixes are not emulated: $cmd" ;;
*[\"\'\$%\\]*) die "$key: quotes, variables and specifiers are not emulated: $cmd" ;;
esac
read -r -a argv <<< "$cmd"
user=$(setting User)
group=$(setting Group)
umask_v=$(setting UMask)
[[ -n $user ]] || die "no User= in $unit: this emulation runs unprivileged services only"
group=${group:-$(id -gn "$user")}
home=$(getent passwd "$user" | cut -d: -f6)
shell=$(getent passwd "$user" | cut -d: -f7)

cd /
exec </dev/null
umask "${umask_v:-0022}"
# A private mount namespace holds all the mounts below; they vanish with
# the daemon.  The paths are passed as arguments, never spliced into code.
exec unshare --mount --propagation private -- /bin/sh -euc '
	# ProtectSystem=strict: every mount read-only but the API file systems
	findmnt -rn -o TARGET | while read -r m; do
		case $m in
		/proc|/proc/*|/sys|/sys/*|/dev|/dev/*) ;;
		*) mount -o remount,bind,ro "$m" ;;
		esac
	done
	# PrivateTmp=yes
	mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
	mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /var/tmp
	# ProtectHome=yes
	for d in /home /root /run/user; do
		[ -d "$d" ] && mount -t tmpfs -o mode=0000,ro,nosuid,nodev tmpfs "$d"
	done
	user=$1 group=$2 home=$3 shell=$4
	shift 4
	exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		LANG=C.UTF-8 USER="$user" LOGNAME="$user" HOME="$home" SHELL="$shell" \
		setpriv --reuid="$user" --regid="$group" --init-groups \
		--no-new-privs --bounding-set=-all --inh-caps=-all -- "$@"
' sandbox "$user" "$group" "$home" "$shell" "${argv[@]}"
