#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR MIT
# readme-example.sh README FILE: the README's code block that follows the
# line naming FILE must be FILE's text between its README-BEGIN and
# README-END marker lines, byte for byte.
set -eu
readme=$1
file=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -n '/README-BEGIN/,/README-END/p' "$file" | sed '1d;$d' | sed '${/^$/d}' >"$tmp/file"
awk -v f="$file" '
	index($0, "`" f "`") && !seen { seen = 1; next }
	seen == 1 && /^```c$/ { seen = 2; next }
	seen == 2 && /^```$/ { exit }
	seen == 2 { print }
' "$readme" >"$tmp/readme"
if ! test -s "$tmp/file" || ! cmp -s "$tmp/file" "$tmp/readme"; then
	echo "$readme: the code block after \`$file\` differs from $file's README part:" >&2
	diff -u "$tmp/file" "$tmp/readme" >&2 || true
	exit 1
fi
echo "$readme quotes $file"
