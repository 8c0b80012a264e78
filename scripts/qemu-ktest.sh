#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Boot the Debian cloud kernel matching the installed headers (see kver.sh,
# get-kernel-image.sh) in QEMU/TCG with a busybox initramfs that insmods the
# given modules in order, then judge the serial log with ktap-judge.sh and
# exit with its status. QEMU's own exit status is never trusted.
#
#   scripts/qemu-ktest.sh [--timeout SECS] [--kmod CONFIG_X:REL.ko ...] \
#	--log LOGFILE MODULE.ko[:p=v,...] ...
#
# A module may carry insmod parameters after a colon, comma-separated.
# --kmod CONFIG_X:REL.ko names a module of the booted kernel itself, relative
# to its lib/modules/$KVER/kernel, needed when its boot/config-$KVER has
# CONFIG_X=m (e.g. CONFIG_CRYPTO_SHA512:crypto/sha512_generic.ko, Debian
# 6.1 builds SHA-512 as a module and tdsnp.ko needs "sha384"; 6.12 builds it
# in).  Such modules are insmodded first, in order (the initramfs has no
# modprobe or depmod data); =y needs nothing; unset is an error.
#
# Environment: KIMAGE_DIR   where the kernel image is unpacked
#                           (default: build/tools/kernel in the repo)
#              KTEST_APPEND extra kernel command line arguments
set -eu

here=$(cd "$(dirname "$0")" && pwd)
usage() {
	echo "usage: $0 [--timeout SECS] [--kmod CONFIG_X:REL.ko ...] --log LOGFILE MODULE.ko ..." >&2
	exit 2
}
tmo=300
log=
kmods=
while [ $# -gt 0 ]; do
	case $1 in
	--timeout) [ $# -ge 2 ] || usage; tmo=$2; shift 2 ;;
	--log) [ $# -ge 2 ] || usage; log=$2; shift 2 ;;
	--kmod) [ $# -ge 2 ] || usage; kmods="$kmods $2"; shift 2 ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ -n "$log" ] && [ $# -ge 1 ] || usage
case $tmo in '' | *[!0-9]*) echo "qemu-ktest.sh: bad --timeout $tmo" >&2; exit 2 ;; esac
for a in "$@"; do
	m=${a%%:*}
	[ -r "$m" ] || { echo "qemu-ktest.sh: cannot read module $m" >&2; exit 2; }
done
for t in qemu-system-x86_64 busybox cpio gzip timeout; do
	command -v "$t" >/dev/null ||
		{ echo "qemu-ktest.sh: $t not found; run scripts/install-deps.sh" >&2; exit 2; }
done

kimage_dir=${KIMAGE_DIR:-$here/../build/tools/kernel}
kernel=$("$here/get-kernel-image.sh" "$kimage_dir")
kver=$("$here/kver.sh")

work=$(mktemp -d "${TMPDIR:-/tmp}/tdsnp-ktest.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
root=$work/root
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/mod"
cp "$(command -v busybox)" "$root/bin/busybox"
for a in $("$root/bin/busybox" --list); do
	[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done
: >"$root/mod/list"
kconfig=$kimage_dir/boot/config-$kver
for k in $kmods; do
	opt=${k%%:*}
	case $(grep "^$opt=" "$kconfig" 2>/dev/null || true) in
	"$opt=y") continue ;;
	"$opt=m") ;;
	*) echo "qemu-ktest.sh: $opt not set in $kconfig" >&2; exit 2 ;;
	esac
	f=$kimage_dir/lib/modules/$kver/kernel/${k#*:}
	[ -r "$f" ] || { echo "qemu-ktest.sh: no kernel module $f" >&2; exit 2; }
	b=$(basename "$f")
	cp "$f" "$root/mod/$b"
	echo "$b" >>"$root/mod/list"
done
for a in "$@"; do
	m=${a%%:*}
	params=
	case $a in *:*) params=$(printf '%s' "${a#*:}" | tr ',' ' ') ;; esac
	b=$(basename "$m")
	[ ! -e "$root/mod/$b" ] || { echo "qemu-ktest.sh: module $b given twice" >&2; exit 2; }
	cp "$m" "$root/mod/$b"
	echo "$b $params" >>"$root/mod/list"
done
cat >"$root/init" <<'INIT'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
while read -r m params; do
	# shellcheck disable=SC2086
	insmod "/mod/$m" $params
	echo "insmod $m: rc=$?"
done </mod/list
echo TDSNP-KTEST-DONE
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$work/initrd.gz"

mkdir -p "$(dirname "$log")"
rm -f "$log"
rc=0
timeout -k 10 "$tmo" qemu-system-x86_64 -accel tcg -machine q35 -cpu max \
	-m 1024 -smp 2 -nographic -no-reboot -monitor none -serial stdio \
	-kernel "$kernel" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 panic=-1 oops=panic loglevel=7 ${KTEST_APPEND:-}" \
	</dev/null >"$log" &
qpid=$!
trap 'kill "$qpid" 2>/dev/null; exit 130' INT TERM
wait "$qpid" || rc=$?
trap 'exit 130' INT TERM
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "qemu-ktest.sh: QEMU killed after the ${tmo}s timeout" >&2
elif [ "$rc" != 0 ]; then
	echo "qemu-ktest.sh: QEMU exited with status $rc" >&2
fi
[ -e "$log" ] || { echo "qemu-ktest.sh: no serial log $log written" >&2; exit 1; }
rc=0
"$here/ktap-judge.sh" "$log" || rc=$?
exit "$rc"
