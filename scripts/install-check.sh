#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# `make install` into a temporary prefix (with DESTDIR), then build the
# out-of-tree example VMM (examples/td_on_mock.c) with nothing but
# `pkg-config --cflags --libs tdsnp-mock` and run it twice: linked
# statically, and against the installed shared libraries.  Also checks the
# installed sonames, headers, tools and man pages.
#
#   scripts/install-check.sh
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
work=$(mktemp -d "${TMPDIR:-/tmp}/tdsnp-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=/opt/tdsnp
make -s -j"$(nproc 2>/dev/null || echo 2)" install PREFIX="$prefix" DESTDIR="$work/root" >/dev/null
root=$work/root$prefix
for f in lib/libtdsnp.a lib/libtdsnp-mock.a lib/libtdsnp.so.0 lib/libtdsnp-mock.so.0 \
	lib/pkgconfig/tdsnp.pc lib/pkgconfig/tdsnp-mock.pc include/tdsnp/tdsnp/insn.h \
	include/tdsnp/mock/mock.h bin/tdsnp-status bin/tdsnp-bench bin/tdsnp-demo \
	share/man/man1/tdsnp-status.1 share/man/man1/tdsnp-bench.1 share/man/man1/tdsnp-demo.1; do
	[ -e "$root/$f" ] || { echo "install-check: $f not installed" >&2; exit 1; }
done
for l in libtdsnp libtdsnp-mock; do
	so=$(readelf -d "$root/lib/$l.so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
	[ "$so" = "$l.so.0" ] || { echo "install-check: $l.so soname is '$so'" >&2; exit 1; }
done
# The .pc files name the final prefix; point them at the staged copy.
mkdir -p "$work/pc"
for p in tdsnp tdsnp-mock; do
	sed "s|^prefix=.*|prefix=$root|" "$root/lib/pkgconfig/$p.pc" >"$work/pc/$p.pc"
done
export PKG_CONFIG_PATH="$work/pc"
unset PKG_CONFIG_LIBDIR || true
cflags=$(pkg-config --cflags tdsnp-mock)
# shellcheck disable=SC2086
${CC:-cc} -Wall -Wextra -Werror -o "$work/vmm-static" examples/td_on_mock.c \
	-static $cflags $(pkg-config --static --libs tdsnp-mock)
# shellcheck disable=SC2086
${CC:-cc} -Wall -Wextra -Werror -o "$work/vmm-shared" examples/td_on_mock.c \
	$cflags $(pkg-config --libs tdsnp-mock)
echo "== static"
"$work/vmm-static"
echo "== shared"
LD_LIBRARY_PATH=$root/lib ldd "$work/vmm-shared" | grep -q "libtdsnp-mock.so.0 => $root/lib" ||
	{ echo "install-check: the shared build does not use the installed libtdsnp-mock.so.0" >&2; exit 1; }
LD_LIBRARY_PATH=$root/lib "$work/vmm-shared"
echo "install-check: ok"
