# MM_CHECK_CFLAG(FLAG, ACTION-IF-OK)
# Compile an empty program with FLAG and -Werror; run ACTION if it works.
AC_DEFUN([MM_CHECK_CFLAG], [
	AS_VAR_PUSHDEF([mm_cv], [mm_cv_cflag_$1])
	AC_CACHE_CHECK([whether $CC accepts $1], [mm_cv], [
		mm_save_CFLAGS=$CFLAGS
		CFLAGS="$CFLAGS -Werror $1"
		AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
			[AS_VAR_SET([mm_cv], [yes])], [AS_VAR_SET([mm_cv], [no])])
		CFLAGS=$mm_save_CFLAGS])
	AS_VAR_IF([mm_cv], [yes], [$2])
	AS_VAR_POPDEF([mm_cv])
])
