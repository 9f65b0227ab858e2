#!/usr/bin/env bash
# The freestanding check: library code must build for a unikernel, which
# has no C library beyond a few string functions.
#
# It compiles every library source (platform/src/*.c and every .c file
# under lib*/src, but not the backends in platform/posix) with
# -ffreestanding -nostdinc, so the only headers available are the
# compiler's own freestanding ones (stddef.h, stdint.h, stdarg.h, ...),
# tests/freestanding/include/string.h and Fata's headers. A source that
# includes stdio.h, stdlib.h, unistd.h or sys/*.h fails to compile. Then
# it reads every object's undefined symbols with nm: each must be defined
# by another checked object, start with fata_ (the platform backend
# provides those), or be on the allow-list below.
#
# Usage: check.sh [--cc COMPILER] [--keep DIR]
#   --cc    compiler command (default: $CC, else cc); may hold several
#           words, such as "ccache gcc"
#   --keep  write the objects to DIR and keep them, instead of a temporary
#           folder that is removed at exit
# Exit status: 0 when every source compiles and links cleanly, 1 otherwise,
# 2 on a usage error.
set -u -o pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cc_command=${CC:-cc}
keep_dir=

while [ $# -gt 0 ]; do
	case $1 in
	--cc) cc_command=${2:?--cc needs a compiler}; shift 2 ;;
	--keep) keep_dir=${2:?--keep needs a folder}; shift 2 ;;
	*) echo "check.sh: unknown argument \"$1\" (usage: check.sh [--cc COMPILER] [--keep DIR])" >&2
	   exit 2 ;;
	esac
done

read -r -a cc <<<"$cc_command"
nm_command=${NM:-nm}

# Symbols a freestanding build may leave undefined besides fata_* and the
# symbols of the checked objects themselves. They are the string functions
# that the minimal string.h declares, the stack protector's hooks, and the
# GOT symbol of position-independent code. GCC and Clang also emit calls to
# memcpy, memset and memmove for struct copies and loops.
allowed_exact=(
	memcpy memmove memset memcmp memchr strlen strcmp strncmp
	__stack_chk_fail __stack_chk_fail_local __stack_chk_guard
	_GLOBAL_OFFSET_TABLE_
)
# Integer helpers from libgcc or compiler-rt, which every freestanding link
# includes: 128-bit division (__udivti3) and bit counting without the
# matching CPU instruction (__popcountdi2).
allowed_pattern='^__(u?(div|mod)|mul)[sdt]i3$|^__(popcount|clz|ctz|ffs|parity|bswap)[sdt]i2$'

# Third-party libraries that library code may use because they are
# freestanding themselves: BearSSL (libtls's engine) needs only stddef.h,
# stdint.h and string.h. Their headers are exposed from the system include
# folder, and the symbols they define (br_*) are allowed.
thirdparty_include=/usr/include
thirdparty_headers=(bearssl.h bearssl)
allowed_pattern+='|^br_'

if [ -n "$keep_dir" ]; then
	work=$keep_dir
	mkdir -p "$work" || exit 1
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/fata-freestanding.XXXXXX") || exit 1
	trap 'rm -rf "$work"' EXIT
fi

compiler_include=$("${cc[@]}" -print-file-name=include)
if [ ! -f "$compiler_include/stddef.h" ]; then
	echo "check.sh: the compiler \"$cc_command\" names no include folder with stddef.h" \
		"(got \"$compiler_include\")" >&2
	exit 1
fi

# GCC's limits.h goes on to the C library's limits.h unless that file's
# guard, _LIBC_LIMITS_H_, is already defined; Clang's stops by itself when
# freestanding.
flags=(
	-std=c11 -ffreestanding -nostdinc -fno-strict-aliasing -D_LIBC_LIMITS_H_
	-isystem "$compiler_include"
	-I "$root/tests/freestanding/include"
	-I "$root/platform/include"
	-O2 -Wall -Wextra -Werror
)
for include in "$root"/lib*/include; do
	[ -d "$include" ] && flags+=(-I "$include")
done

mkdir -p "$work/thirdparty"
for header in "${thirdparty_headers[@]}"; do
	[ -e "$thirdparty_include/$header" ] && ln -sfn "$thirdparty_include/$header" "$work/thirdparty/"
done
flags+=(-isystem "$work/thirdparty")

# Lists "LIBRARY-DIR SOURCE" pairs: the platform core, then each library.
list_sources() {
	local source lib

	for source in "$root"/platform/src/*.c; do
		[ -f "$source" ] && echo "$root/platform/src $source"
	done
	for lib in "$root"/lib*/; do
		lib=${lib%/}
		[ -d "$lib/src" ] || continue
		find "$lib/src" -name '*.c' -not -path '*/posix/*' | LC_ALL=C sort |
			while read -r source; do echo "$lib/src $source"; done
	done
}

compiled=0
failed=0
objects=()
while read -r src_dir source; do
	relative=${source#"$root"/}
	object=$work/${relative//\//_}.o

	# Each library's own src folder contains its private headers.
	if "${cc[@]}" "${flags[@]}" -I "$src_dir" -c "$source" -o "$object" 2>"$work/error.txt"; then
		compiled=$((compiled + 1))
		objects+=("$object")
	else
		failed=$((failed + 1))
		echo "FAIL compile $relative:"
		head -n 20 "$work/error.txt" | sed 's/^/    /'
	fi
done < <(list_sources)

if [ $((compiled + failed)) -eq 0 ]; then
	echo "check.sh: no library sources found under $root" >&2
	exit 1
fi

# Every symbol defined by a checked object may be used by the others.
defined=$work/defined.txt
: >"$defined"
for object in "${objects[@]}"; do
	"$nm_command" --defined-only "$object" | awk 'NF >= 3 { print $3 }' >>"$defined"
done
sort -u -o "$defined" "$defined"

is_allowed() {
	local symbol=$1 name

	case $symbol in fata_*) return 0 ;; esac
	for name in "${allowed_exact[@]}"; do
		[ "$symbol" = "$name" ] && return 0
	done
	[[ $symbol =~ $allowed_pattern ]] && return 0
	grep -qxF -- "$symbol" "$defined"
}

bad_symbols=0
for object in "${objects[@]}"; do
	while read -r symbol; do
		[ -n "$symbol" ] || continue
		if ! is_allowed "$symbol"; then
			bad_symbols=$((bad_symbols + 1))
			echo "FAIL symbol ${object##*/}: undefined reference to $symbol" \
				"(not a fata_ symbol, not defined by library code, not allowed)"
		fi
	done < <("$nm_command" -u "$object" | awk '{ print $NF }')
done

echo "freestanding check with ${cc[*]}: $compiled sources compiled, $failed failed to" \
	"compile, $bad_symbols undefined symbols outside the allow-list"
[ "$failed" -eq 0 ] && [ "$bad_symbols" -eq 0 ]
