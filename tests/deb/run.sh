#!/usr/bin/env bash
# tests/deb/run.sh - the Debian package from build to purge, on this machine.
#
#   sudo tests/deb/run.sh
#
# 1. builds the .deb from a copy of this source tree with
#    dpkg-buildpackage -us -uc -b, and lintian must report no error and
#    no warning;
# 2. installs it with apt-get install ./FILE.deb and checks the files,
#    modes, the conffile, its statoverride and the mailmon account;
# 3. runs the installed unit's ExecStartPre (mailmond -n on the shipped
#    configuration) and ExecStart the way systemd would (sandbox.sh: its
#    user, a read-only system, private /tmp, no capabilities) against a
#    private snmpd configured with the lines README.Debian gives operators,
#    walks MAILMON-MIB, and checks a trace of the daemon against the
#    unit's system call filter (syscalls.py); systemd-analyze verifies the
#    unit and rates its sandbox;
# 4. apt-get remove: the administrator's configuration stays; apt-get
#    purge: nothing the package made is left (files, statoverride, user,
#    group, systemd state), compared with a listing taken before install.
#
# It changes the real system, so: root only, one run at a time (a lock),
# and it refuses to run while a mailmon package, user or group it did not
# install is present.  Whatever it installed is purged when it exits.
# Exits 77 when not root or a tool is missing, except under CI=true where
# that is a failure.  Ends with "N passed, N failed".  KEEP=1 keeps the
# work directory.

# helpers run through check, wait_until and the exit trap
# shellcheck disable=SC2317
# shellcheck source-path=SCRIPTDIR
set -uo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=../testlib.sh
. "$top_srcdir/tests/testlib.sh"
export PORT_OFFSET=$((800 + ${MM_PORT_SHIFT:-0}))
# shellcheck source=../daemon_lib.sh
. "$top_srcdir/tests/daemon_lib.sh"
HERE=$top_srcdir/tests/deb
export DEBIAN_FRONTEND=noninteractive

PKG=mailmon
ACCOUNT=mailmon
UNIT=/lib/systemd/system/mailmond.service
CONF=/etc/mailmond.conf
MIBFILE=/usr/share/snmp/mibs/MAILMON-MIB.txt
DOC=/usr/share/doc/$PKG
# present from just before the install until a clean purge: a run killed
# in between leaves it, and the next run may then purge what it finds
MARK=/var/tmp/mailmon-deb-test.installed
LOCK=/run/lock/mailmon-deb-test.lock

(( EUID == 0 )) || skip "installs a package into the system: needs root"
need dpkg-buildpackage dh lintian apt-get dpkg-statoverride flock \
	snmpd snmpwalk snmpget setpriv unshare findmnt strace systemd-analyze ss "$PY"

exec 9> "$LOCK"
flock -w 900 9 || abort "another package test still holds $LOCK"

pkg_state() {	# installed, config-files, ... or empty
	local s
	s=$(dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null)
	[[ $s == not-installed ]] || printf '%s' "$s"
}
account_exists() { getent passwd "$ACCOUNT" >/dev/null || getent group "$ACCOUNT" >/dev/null; }
apt_get() { apt-get -y -q -o DPkg::Lock::Timeout=300 "$@"; }

# purge what this test (or an interrupted run of it) installed
PURGE_LOG=/dev/null
purge_ours() {
	[[ -e $MARK ]] || return 0
	[[ -z $(pkg_state) ]] || apt_get purge "$PKG" >> "$PURGE_LOG" 2>&1
	getent passwd "$ACCOUNT" >/dev/null && userdel "$ACCOUNT"
	getent group "$ACCOUNT" >/dev/null && groupdel "$ACCOUNT"
	rm -f "$MARK"
}

if [[ -n $(pkg_state) ]] || account_exists; then
	if [[ -e $MARK ]]; then
		echo "an interrupted run left $PKG installed: purging it"
		purge_ours
	fi
	if [[ -n $(pkg_state) ]] || account_exists; then
		skip "package $PKG ($(pkg_state)) or account $ACCOUNT present, not installed by this test: purge it first"
	fi
fi

SNMPDIR=
cleanup() {
	[[ -n ${MMPID:-} ]] && proc_running "$MMPID" && kill -TERM "$MMPID" 2>/dev/null
	[[ -n $SNMPDIR ]] && stop_pidfile "$SNMPDIR/snmpd.pid" snmpd >/dev/null 2>&1
	dl_listener_stop "$W/listener.pid"
	purge_ours
	[[ -n $SNMPDIR ]] && rm -rf "$SNMPDIR"
	if (( fail > 0 )); then
		for f in "$W"/install.log "$W"/mailmond.log "$W"/snmpd.log; do
			[[ -s $f ]] && { echo "---- $f (tail) ----"; tail -n 30 "$f"; }
		done
	fi
}
workdir /tmp/mmdeb-XXXXXX cleanup
PURGE_LOG=$W/purge-cleanup.log

# ---- build ------------------------------------------------------------------

VERSION=$(dpkg-parsechangelog -l "$top_srcdir/debian/changelog" -S Version)
UPSTREAM=${VERSION%-*}
ARCH=$(dpkg --print-architecture)
ac_version=$(sed -n 's/^AC_INIT(\[mailmon\], *\[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
check "debian/changelog $VERSION is configure.ac's $ac_version" test "$UPSTREAM" = "$ac_version"

SRC=$W/build/$PKG-$UPSTREAM
mkdir -p "$SRC"
# the tree as it is, edits included, without build products: git's view
# when there is one (a checkout), else everything but build directories
if git -C "$top_srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git -C "$top_srcdir" ls-files -z --cached --others --exclude-standard |
	    tar -C "$top_srcdir" --null --ignore-failed-read -T - -cf - 2>/dev/null |
	    tar -C "$SRC" -xf -
else
	tar -C "$top_srcdir" --exclude=./.git --exclude='./build*' \
	    --exclude='./mailmon-*' -cf - . | tar -C "$SRC" -xf -
fi
echo "building $PKG $VERSION in $SRC"
t0=$SECONDS
( cd "$SRC" && DEB_BUILD_OPTIONS="parallel=$(nproc)" dpkg-buildpackage -us -uc -b ) \
	> "$W/build.log" 2>&1
rc=$?
echo "     (dpkg-buildpackage: $((SECONDS - t0)) s)"
DEB=$W/build/${PKG}_${VERSION}_$ARCH.deb
CHANGES=$W/build/${PKG}_${VERSION}_$ARCH.changes
if (( rc != 0 )) || [[ ! -s $DEB ]]; then
	# make check's VERBOSE=1 puts each failing test's log in build.log
	awk '/^(FAIL|ERROR): /{n=80} n-- > 0' "$W/build.log" | head -n 240
	tail -n 40 "$W/build.log"
	abort "dpkg-buildpackage -us -uc -b (exit $rc)"
fi
ok "dpkg-buildpackage -us -uc -b builds $(basename "$DEB")"
grep -E '^# (TOTAL|PASS|SKIP|FAIL|ERROR):' "$W/build.log" | sed 's/^/     build-time tests: /'
check "build-time tests ran and none failed" \
	bash -c 'grep -q "^# PASS: *[1-9]" "$1" && grep -q "^# FAIL: *0" "$1" && grep -q "^# ERROR: *0" "$1"' _ "$W/build.log"

lintian -I --fail-on error,warning "$CHANGES" > "$W/lintian.out" 2>&1
rc=$?
sed 's/^/     lintian: /' "$W/lintian.out"
check "lintian: no errors, no warnings" \
	bash -c '(( $1 == 0 )) && ! grep -qE "^[EW]: " "$2"' _ "$rc" "$W/lintian.out"

# ---- install ------------------------------------------------------------------

# what the system holds before: after the purge it must hold the same
# (package databases, caches and files every run of a program may leave,
# like Python's bytecode, are not the package's doing)
snapshot() {
	find /etc /usr /var/lib /opt /srv -xdev \
	    \( -path /var/lib/dpkg -o -path /var/lib/apt -o -name __pycache__ \) -prune \
	    -o -print 2>/dev/null |
	    grep -vE '^/etc/(passwd|group|shadow|gshadow|subuid|subgid)-$' | LC_ALL=C sort
}
snapshot > "$W/before.list"

touch "$MARK"
apt_get install --no-install-recommends "$DEB" > "$W/install.log" 2>&1
check "apt-get install ./$(basename "$DEB")" test "$(pkg_state)" = installed
[[ $(pkg_state) == installed ]] || abort "package not installed; the rest cannot run"

mode_is() {	# mode_is FILE MODE OWNER GROUP
	[[ $(stat -c '%a %U %G' "$1" 2>/dev/null) == "$2 $3 $4" ]]
}
check "mailprobe: /usr/bin, 0755 root" mode_is /usr/bin/mailprobe 755 root root
check "mailmond: /usr/sbin, 0755 root" mode_is /usr/sbin/mailmond 755 root root
inst_version=$(/usr/sbin/mailmond -V 2>&1)
check "mailmond -V says $UPSTREAM ($inst_version)" test "$inst_version" = "mailmond $UPSTREAM"

# the check_* names are the ones src/Makefile.am installs
aliases=$(sed -n '/^MAILPROBE_ALIASES/,/[^\\]$/p' "$top_srcdir/src/Makefile.am" | grep -o 'check_[a-z]*')
[[ -n $aliases ]] || ko "no MAILPROBE_ALIASES in src/Makefile.am"
for a in $aliases; do
	check "/usr/lib/mailmon/$a -> mailprobe" \
		test "$(readlink -f "/usr/lib/mailmon/$a")" = /usr/bin/mailprobe
done
check "no check_* in /usr/lib/nagios/plugins comes from $PKG" \
	bash -c '! dpkg -L "$1" | grep -q "^/usr/lib/nagios"' _ "$PKG"

check "MIB in /usr/share/snmp/mibs" cmp -s "$top_srcdir/mibs/MAILMON-MIB.txt" "$MIBFILE"
check "demo configuration in /usr/share/mailmon" \
	cmp -s "$top_srcdir/conf/demo.conf" /usr/share/mailmon/demo.conf
out=$(/usr/sbin/mailmond --demo -n 2>&1)
check "the installed mailmond --demo finds it ($out)" \
	bash -c '[[ $1 == *"/usr/share/mailmon/demo.conf: OK"* ]]' _ "$out"
for m in "$top_srcdir"/man/*.[0-9]; do
	n=$(basename "$m")
	check "man page $n" test -s "/usr/share/man/man${n##*.}/$n.gz"
done
check "unit is conf/mailmond.service" cmp -s "$top_srcdir/conf/mailmond.service" "$UNIT"
# enabling is the administrator's step, once snmpd lets mailmon in
check "mailmond.service installed disabled" \
	test ! -e /etc/systemd/system/multi-user.target.wants/mailmond.service
# dh_compress leaves files under 4 kB alone
README_DEBIAN=$(ls "$DOC"/README.Debian* 2>/dev/null | head -n 1)
check "README.Debian and copyright" test -s "$README_DEBIAN" -a -s "$DOC/copyright"

check "$CONF is a conffile" \
	bash -c 'dpkg-query -W -f="\${Conffiles}\n" "$1" | grep -q "^ $2 "' _ "$PKG" "$CONF"
check "$CONF is the shipped sample" cmp -s "$top_srcdir/conf/mailmond.conf" "$CONF"
check "$CONF: 0640 root:$ACCOUNT" mode_is "$CONF" 640 root "$ACCOUNT"
check "$CONF: mode kept as a statoverride" \
	bash -c '[[ $(dpkg-statoverride --list "$1") == "root $2 640 $1" ]]' _ "$CONF" "$ACCOUNT"

IFS=: read -r _ _ uid gid _ home shell < <(getent passwd "$ACCOUNT")
check "system user $ACCOUNT (uid $uid)" bash -c '(( $1 > 0 && $1 < 1000 ))' _ "${uid:-0}"
check "its primary group is $ACCOUNT" test "$(getent group "${gid:-x}" | cut -d: -f1)" = "$ACCOUNT"
check "no login shell ($shell)" bash -c '[[ $1 == */nologin || $1 == */false ]]' _ "${shell:-}"
check "no home directory ($home)" test ! -e "${home:-/}"

# ---- the unit -----------------------------------------------------------------

# as nobody: systemd-analyze runs man(1) for Documentation=, and as root
# man-db would leave formatted pages in /var/cache/man
out=$(cd / && setpriv --reuid=nobody --regid=nogroup --clear-groups \
	systemd-analyze verify "$UNIT" 2>&1)
rc=$?
check "systemd-analyze verify: clean" test "$rc" -eq 0 -a -z "$out"
[[ -n $out ]] && sed 's/^/     /' <<< "$out"

systemd-analyze security --offline=yes --json=short "$UNIT" > "$W/security.json" 2>&1
# set, and rated with no exposure left (ProtectSystem=full would be set
# but still exposed)
unset_ones=$("$PY" -c '
import json, sys
want = ("NoNewPrivileges=", "ProtectSystem=", "PrivateTmp=", "CapabilityBoundingSet=")
seen = set()
for e in json.load(open(sys.argv[1])):
    for w in want:
        if e["name"].startswith(w):
            seen.add(w)
            if not e["set"] or e["exposure"] not in (None, "0.0"):
                print(e["name"])
for w in set(want) - seen:
    print(w + "(not rated)")
' "$W/security.json" 2>&1)
check "sandbox: NoNewPrivileges, ProtectSystem=strict, PrivateTmp, no capabilities" \
	test -z "$unset_ones" -a -s "$W/security.json"
[[ -n $unset_ones ]] && sed 's/^/     not set: /' <<< "$unset_ones"
systemd-analyze security --offline=yes "$UNIT" 2>/dev/null | grep 'Overall exposure' | sed 's/^/     /'

# ExecStartPre: mailmond -n on the shipped file, as the unit's user
out=$("$HERE/sandbox.sh" "$UNIT" ExecStartPre 2>&1)
rc=$?
check "ExecStartPre: mailmond -n accepts the shipped $CONF ($out)" \
	bash -c '(( $1 == 0 )) && [[ $2 == *"$3: OK"* ]]' _ "$rc" "$out" "$CONF"
check "other users cannot read $CONF" \
	bash -c '! setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/sbin/mailmond -n -c "$1" >/dev/null 2>&1' _ "$CONF"

# ---- the daemon against snmpd --------------------------------------------------

UP_PORT=$((10260 + PORT_OFFSET))
DOWN_PORT=$((UP_PORT + 1))
ports_free TCP "$DOWN_PORT"
dl_listener "$UP_PORT" answer "$W/listener.pid" || abort "listener on $UP_PORT"

out=$(/usr/lib/mailmon/check_tcp -H 127.0.0.1 -p "$UP_PORT" -e HELLO 2>&1)
rc=$?
check "check_tcp link speaks as check_tcp ($out)" \
	bash -c '(( $1 == 0 )) && [[ $2 == "TCP OK"* ]]' _ "$rc" "$out"

# The snmpd.conf lines README.Debian tells operators to add, taken from
# the installed file, so a wrong line there fails here.
mapfile -t doclines < <(zcat -f "$README_DEBIAN" 2>/dev/null |
	sed -n 's/^  \(master agentx\|agentXPerms .*\|view systemonly .*\)$/\1/p')
check "README.Debian names the snmpd.conf lines (${#doclines[@]})" test "${#doclines[@]}" -eq 3

# Outside /tmp: the unit's PrivateTmp hides the test's /tmp from the
# daemon, as it would hide anything there from the real service.
SNMPDIR=$(mktemp -d /run/mmdeb-XXXXXX) || abort "mktemp -d /run/mmdeb-XXXXXX"
chmod 0755 "$SNMPDIR"
mkdir -p "$SNMPDIR"/{persist,conf}
chown Debian-snmp "$SNMPDIR/persist" 2>/dev/null || chown nobody "$SNMPDIR/persist"
AGENTX=$SNMPDIR/agentx/master

# The emulation must really confine, or the runs below prove nothing: a
# directory anyone may write to is read-only inside, and /tmp is empty.
mkdir -m 1777 "$SNMPDIR/rw"
cat > "$W/confined.service" <<EOF
[Service]
User=nobody
ExecStartPre=/bin/ls -A /tmp
ExecStart=/usr/bin/touch $SNMPDIR/rw/written
EOF
out=$("$HERE/sandbox.sh" "$W/confined.service" ExecStart 2>&1)
check "sandbox.sh: the system is read-only inside ($out)" \
	bash -c '[[ ! -e $1 && $2 == *"Read-only file system"* ]]' _ "$SNMPDIR/rw/written" "$out"
out=$("$HERE/sandbox.sh" "$W/confined.service" ExecStartPre 2>&1)
check "sandbox.sh: /tmp is private" test $? -eq 0 -a -z "$out"
{
	echo "agentaddress udp:127.0.0.1:$SNMPD_PORT"
	echo "agentXSocket $AGENTX"
	printf '%s\n' "${doclines[@]}"
	# Debian's own snmpd.conf: the community sees the view systemonly
	echo "view systemonly included .1.3.6.1.2.1.1"
	echo "rocommunity public 127.0.0.1 -V systemonly"
} > "$SNMPDIR/snmpd.conf"
snmpd_user=Debian-snmp
getent passwd "$snmpd_user" >/dev/null || snmpd_user=nobody
ports_free UDP "$SNMPD_PORT"
# as Debian's snmpd.service starts it: as root, dropping to Debian-snmp
# after it made the AgentX socket
SNMP_PERSISTENT_DIR=$SNMPDIR/persist SNMPCONFPATH=$SNMPDIR/conf \
	setsid snmpd -f -C -m : -I -smux -c "$SNMPDIR/snmpd.conf" \
	-u "$snmpd_user" -g "$(id -gn "$snmpd_user")" -Lf "$W/snmpd.log" \
	> /dev/null 2>&1 < /dev/null &
echo $! > "$SNMPDIR/snmpd.pid"
snmpd_ready() { wait_udp "$SNMPD_PORT" 10 && wait_file "$AGENTX" 10; }
check "snmpd up with the documented lines" snmpd_ready

# The administrator's configuration: kept by remove, gone after purge.
# Written in place, so the file keeps its mode and group.
cat > "$CONF" <<EOF
# changed by the administrator
interval 1
timeout 2
retries 1
ping-interval 2
agentx-socket $AGENTX
user $ACCOUNT
probe up tcp --host 127.0.0.1 --port $UP_PORT --expect HELLO
probe down tcp --host 127.0.0.1 --port $DOWN_PORT
EOF
out=$("$HERE/sandbox.sh" "$UNIT" ExecStartPre 2>&1)
check "ExecStartPre accepts the new file ($out)" test $? -eq 0

strace -f -qq -o "$W/mailmond.trace" "$HERE/sandbox.sh" "$UNIT" ExecStart \
	> "$W/mailmond.log" 2>&1 &
STRACEPID=$!
# strace's one child is the daemon: sandbox.sh execs all the way into it
mm_pid() { MMPID=$(ps -o pid= --ppid "$STRACEPID" | tr -d ' '); [[ $MMPID =~ ^[0-9]+$ ]]; }
wait_until 5 mm_pid
MMPID=${MMPID:-}
user_is() { [[ $(uid_of "$MMPID") == "$1" && $(readlink "/proc/$MMPID/exe") == /usr/sbin/mailmond ]]; }
check "ExecStart runs /usr/sbin/mailmond as $ACCOUNT" wait_until 10 user_is "$(id -u "$ACCOUNT")"

check "both rows walk" wait_until 20 rows_are 2
check "probe up becomes ok(1)" wait_until 15 status_is up 1
check "probe down becomes critical(3)" wait_until 15 status_is down 3
check "serMailPort = 1" test "$(get "$B.1.0")" = 1
check "sysORTable names MAILMON-MIB" \
	bash -c 'snmpwalk "$@" 2>/dev/null | grep -q MAILMON-MIB' _ "${SNMP[@]}" .1.3.6.1.2.1.1.9.1.3
check "no permission or read-only errors in the log" \
	bash -c '! grep -qiE "permission denied|read-only file system" "$1"' _ "$W/mailmond.log"

kill -TERM "$MMPID" 2>/dev/null
wait "$STRACEPID"
rc=$?
MMPID=
check "SIGTERM: clean exit (status $rc)" test "$rc" -eq 0
out=$("$PY" "$HERE/syscalls.py" "$UNIT" "$W/mailmond.trace" /usr/sbin/mailmond 2>&1)
rc=$?
sed 's/^/     /' <<< "$out"
check "the daemon stays inside the unit's system call sandbox" test "$rc" -eq 0
stop_pidfile "$SNMPDIR/snmpd.pid" snmpd >/dev/null 2>&1
dl_listener_stop "$W/listener.pid"

# ---- remove, purge --------------------------------------------------------------

apt_get remove "$PKG" > "$W/remove.log" 2>&1
check "apt-get remove leaves only the configuration" test "$(pkg_state)" = config-files
for f in /usr/sbin/mailmond /usr/bin/mailprobe "$UNIT" "$MIBFILE" /usr/lib/mailmon; do
	check "remove: $f gone" test ! -e "$f"
done
check "remove keeps the administrator's $CONF" grep -q '^# changed by the administrator' "$CONF"
check "remove keeps its mode" mode_is "$CONF" 640 root "$ACCOUNT"
check "remove keeps the account" bash -c 'getent passwd "$1" >/dev/null' _ "$ACCOUNT"

apt_get purge "$PKG" > "$W/purge.log" 2>&1
check "apt-get purge" test -z "$(pkg_state)"
check "purge: $CONF gone" bash -c '! ls "$1"* >/dev/null 2>&1' _ "$CONF"
check "purge: statoverride gone" bash -c '! dpkg-statoverride --list "$1" | grep -q .' _ "$CONF"
check "purge: user $ACCOUNT gone" bash -c '! getent passwd "$1" >/dev/null' _ "$ACCOUNT"
check "purge: group $ACCOUNT gone" bash -c '! getent group "$1" >/dev/null' _ "$ACCOUNT"
check "purge: no maintainer scripts left" bash -c '! ls /var/lib/dpkg/info/"$1".* >/dev/null 2>&1' _ "$PKG"
snapshot > "$W/after.list"
diff "$W/before.list" "$W/after.list" > "$W/left.diff"
check "purge: the system holds what it held before install" test ! -s "$W/left.diff"
[[ -s $W/left.diff ]] && sed 's/^/     /' "$W/left.diff" | head -n 20
rm -f "$MARK"

finish
