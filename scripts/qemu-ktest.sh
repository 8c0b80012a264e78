#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Boot the Debian cloud kernel matching installed headers (see kver.sh,
# get-kernel-image.sh) in QEMU with a busybox initramfs that insmods the given
# modules in order, then judge the serial log with ktap-judge.sh (against the
# test list ktest-expected.py reads from the sources) and exit with its
# status. QEMU's own exit status is never trusted.  KVM is used when
# /dev/kvm works, TCG otherwise; the first line printed says which.
#
#   scripts/qemu-ktest.sh [--timeout SECS] [--kver KVER] [--trace-events SYSTEM]
#                         [--exec PROGRAM] --log LOGFILE MODULE.ko[:p=v,...] ...
#   scripts/qemu-ktest.sh [--kver KVER] --probe   print the accelerator choice
#                                                  (a KTEST_ACCEL value) and exit
#
# A module may carry insmod parameters after a colon, comma-separated.
#
# Modules of the booted kernel itself that tdsnp.ko needs are insmodded first
# when its boot/config-$KVER builds them as modules (the initramfs has no
# modprobe or depmod data): crypto/sha512_generic.ko for "sha384" when
# CONFIG_CRYPTO_SHA512=m (Debian 6.1; 6.12 builds it in).  --kmod
# CONFIG_X:REL.ko adds one more (REL under lib/modules/$KVER/kernel).
#
# --exec PROGRAM: a static program run in the guest after the last module;
# it prints the KTAP, and "PROGRAM --list" (run here) names its tests in
# order: that list, not ktest-expected.py's, is what the judge expects.
#
# --trace-events SYSTEM: mount tracefs and enable events/SYSTEM/ as soon as
# a loaded module has created it (so before the next module loads); after
# the last module, print how many SYSTEM events the trace holds (and the
# first few); the judge fails unless there was at least one.
#
# Environment: KIMAGE_DIR   where the kernel image is unpacked
#                           (default: build/tools/kernel in the repo)
#              KTEST_APPEND extra kernel command line arguments
#              KTEST_ACCEL  "tcg", or "kvm:CPU" (as --probe prints it) to
#                           skip the probe
set -eu

here=$(cd "$(dirname "$0")" && pwd)
usage() {
	echo "usage: $0 [--timeout SECS] --log LOGFILE MODULE.ko [MODULE.ko ...]" >&2
	exit 2
}
tmo=300
log=
kver=
kmods="CONFIG_CRYPTO_SHA512:crypto/sha512_generic.ko"
probe=
tsys=
xprog=
while [ $# -gt 0 ]; do
	case $1 in
	--timeout) [ $# -ge 2 ] || usage; tmo=$2; shift 2 ;;
	--kver) [ $# -ge 2 ] || usage; kver=$2; shift 2 ;;
	--kmod) [ $# -ge 2 ] || usage; kmods="$kmods $2"; shift 2 ;;
	--probe) probe=1; shift ;;
	--trace-events) [ $# -ge 2 ] || usage; tsys=$2; shift 2 ;;
	--exec) [ $# -ge 2 ] || usage; xprog=$2; shift 2 ;;
	--log) [ $# -ge 2 ] || usage; log=$2; shift 2 ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ -n "$probe" ] || { [ -n "$log" ] && [ $# -ge 1 ]; } || usage
case $tmo in '' | *[!0-9]*) echo "qemu-ktest.sh: bad --timeout $tmo" >&2; exit 2 ;; esac
case $tsys in *[!A-Za-z0-9_]*) echo "qemu-ktest.sh: bad --trace-events $tsys" >&2; exit 2 ;; esac
for a in "$@"; do
	m=${a%%:*}
	[ -r "$m" ] || { echo "qemu-ktest.sh: cannot read module $m" >&2; exit 2; }
done
for t in qemu-system-x86_64 busybox cpio gzip timeout; do
	command -v "$t" >/dev/null ||
		{ echo "qemu-ktest.sh: $t not found; run scripts/install-deps.sh" >&2; exit 2; }
done

kimage_dir=${KIMAGE_DIR:-$here/../build/tools/kernel}
kernel=$("$here/get-kernel-image.sh" "$kimage_dir" $kver)
kver=${kver:-$("$here/kver.sh")}


work=$(mktemp -d "${TMPDIR:-/tmp}/tdsnp-ktest.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
# KVM when it works here, TCG otherwise.  Working means: a usable
# /dev/kvm, a CPU model QEMU can set up on it (nested KVM may refuse -cpu
# host's IA32_ARCH_CAPABILITIES) and a kernel that boots on it to a marker
# within 20 s (some nested setups start the VM and then hang in the BIOS).
kvm_probe() {
	for c in host host,-arch-capabilities; do
		(echo quit | timeout 20 qemu-system-x86_64 -accel kvm -machine q35 -cpu "$c" \
			-display none -nodefaults -monitor stdio -S) >/dev/null 2>&1 || continue
		mkdir -p "$work/probe/bin"
		cp "$(command -v busybox)" "$work/probe/bin/busybox"
		printf '#!/bin/busybox sh\n/bin/busybox echo TDSNP-KVM-OK\n/bin/busybox poweroff -f\n' \
			>"$work/probe/init"
		chmod +x "$work/probe/init"
		(cd "$work/probe" && find . | cpio -o -H newc --quiet) | gzip -1 >"$work/probe.gz"
		if timeout -k 5 20 qemu-system-x86_64 -accel kvm -cpu "$c" -machine q35 -m 512 \
			-nographic -no-reboot -monitor none -serial stdio -kernel "$kernel" \
			-initrd "$work/probe.gz" -append "console=ttyS0 panic=-1" </dev/null 2>&1 |
			grep -q TDSNP-KVM-OK; then
			kvm_cpu=$c
		fi
		return 0
	done
}
accel=${KTEST_ACCEL:-}
kvm_cpu=
case $accel in
kvm:?*) kvm_cpu=${accel#kvm:}; accel=kvm ;;
tcg) ;;
'')
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		kvm_probe
	fi
	accel=tcg
	[ -z "$kvm_cpu" ] || accel=kvm
	;;
*) echo "qemu-ktest.sh: KTEST_ACCEL must be tcg or kvm:CPU" >&2; exit 2 ;;
esac
if [ -n "$probe" ]; then
	echo "$accel${kvm_cpu:+:$kvm_cpu}"
	exit 0
fi
# One TCG thread for all vCPUs: with multi-threaded TCG the kernel's own
# boot-time text patching (int3-based text_poke) was seen to oops in
# blake2s_compress on 6.12, before any module loaded.
case $accel in
kvm) qemu_cpu="-accel kvm -cpu $kvm_cpu" ;;
tcg) qemu_cpu="-accel tcg,thread=single -cpu max" ;;
esac
echo "qemu-ktest.sh: $(basename "$kernel") with $accel${kvm_cpu:+ (-cpu $kvm_cpu)}"
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
	cp "$f" "$root/mod/$(basename "$f")"
	echo "$(basename "$f")" >>"$root/mod/list"
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
echo "$tsys" >"$root/mod/trace-system"
if [ -n "$xprog" ]; then
	[ -x "$xprog" ] || { echo "qemu-ktest.sh: cannot run $xprog" >&2; exit 2; }
	cp "$xprog" "$root/bin/tdsnp-exec"
fi
cat >"$root/init" <<'INIT'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
read -r tsys </mod/trace-system
t=/sys/kernel/tracing
if [ -n "$tsys" ]; then
	mount -t tracefs tracefs $t
	echo "tracefs: rc=$?"
fi
while read -r m params; do
	# shellcheck disable=SC2086
	insmod "/mod/$m" $params
	echo "insmod $m: rc=$?"
	if [ -n "$tsys" ] && [ -e "$t/events/$tsys/enable" ] &&
	    [ "$(cat "$t/events/$tsys/enable")" = 0 ]; then
		echo 1 >"$t/events/$tsys/enable"
		echo "trace events $tsys enabled: rc=$?"
	fi
done </mod/list
if [ -n "$tsys" ]; then
	echo 0 >"$t/tracing_on"
	n=$(grep -c " ${tsys}_" "$t/trace")
	grep " ${tsys}_" "$t/trace" | head -n 3
	echo "TDSNP-TRACE: $n $tsys events"
fi
if [ -x /bin/tdsnp-exec ]; then
	/bin/tdsnp-exec
	echo "exec: rc=$?"
fi
echo TDSNP-KTEST-DONE
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$work/initrd.gz"

mkdir -p "$(dirname "$log")"
rm -f "$log"
rc=0
# shellcheck disable=SC2086
timeout -k 10 "$tmo" qemu-system-x86_64 $qemu_cpu -machine q35 \
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
if [ -n "$xprog" ]; then
	"$xprog" --list >"$work/expected" || exit 1
else
	"$here/ktest-expected.py" >"$work/expected" || exit 1
fi
rc=0
"$here/ktap-judge.sh" --expect "$work/expected" ${tsys:+--trace-events "$tsys"} "$log" || rc=$?
exit "$rc"
