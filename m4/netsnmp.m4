# MM_CHECK_NETSNMP
# Find libnetsnmpagent through net-snmp-config and prove it by linking.
# A subagent needs only -lnetsnmpagent -lnetsnmp: --agent-libs would
# drag in libnetsnmpmibs (sensors, pci).  The distro's net-snmp-config
# leaks its own build flags (perl include paths, -Dlinux=linux,
# _FORTIFY_SOURCE), so only its NETSNMP_* feature macros are kept.
AC_DEFUN([MM_CHECK_NETSNMP], [
	AC_PATH_PROG([NETSNMP_CONFIG], [net-snmp-config], [no])
	AS_IF([test "x$NETSNMP_CONFIG" = xno],
		[AC_MSG_ERROR([net-snmp-config not found: install libsnmp-dev])])
	NETSNMP_CFLAGS=""
	for w in `$NETSNMP_CONFIG --base-cflags`; do
		case "$w" in
		-DNETSNMP_*) NETSNMP_CFLAGS="$NETSNMP_CFLAGS $w" ;;
		esac
	done
	NETSNMP_LIBS="-lnetsnmpagent -lnetsnmp"
	for w in `$NETSNMP_CONFIG --libdir`; do
		case "$w" in
		-L/usr/lib*) ;;
		-L*) NETSNMP_LIBS="$w $NETSNMP_LIBS" ;;
		esac
	done
	AC_MSG_CHECKING([whether libnetsnmpagent links])
	mm_save_LIBS=$LIBS
	mm_save_CFLAGS=$CFLAGS
	LIBS="$NETSNMP_LIBS $LIBS"
	CFLAGS="$CFLAGS $NETSNMP_CFLAGS"
	AC_LINK_IFELSE([AC_LANG_PROGRAM([[
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
]], [[
	netsnmp_large_fd_set fds;
	int n = 0, block = 1;
	struct timeval tv;
	netsnmp_large_fd_set_init(&fds, FD_SETSIZE);
	init_agent("conftest");
	snmp_select_info2(&n, &fds, &tv, &block);
]])], [AC_MSG_RESULT([yes])],
	[AC_MSG_RESULT([no]); AC_MSG_ERROR([cannot link with $NETSNMP_LIBS])])
	LIBS=$mm_save_LIBS
	CFLAGS=$mm_save_CFLAGS
	AC_SUBST([NETSNMP_CFLAGS])
	AC_SUBST([NETSNMP_LIBS])
])
