#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR MIT
"""Print, one a line and in order (the judge compares number and name), the
names of the tests the in-kernel self-test module must report: every entry
of every suite that tests/common/suites.c lists (in its order), then the
module's own kernel_tests (tests/kernel/ktest.c).  Read from the sources,
never from the kernel's output.  Fails unless that list covers every test
the sources define: every self-test function (`static int test_*(char *msg,
size_t len)`) of tests/common and tests/kernel, and every suite defined in
tests/common, so a suite left out of suites.c or a test left out of its
array is an error, not a silently shorter run.

  scripts/ktest-expected.py [TOPDIR]
"""
import pathlib
import re
import sys

top = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else
                   pathlib.Path(__file__).resolve().parent.parent)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def arrays(text):
    """name -> [test names] for each `struct tdsnp_selftest NAME[] = {...};`."""
    out = {}
    for m in re.finditer(r"struct\s+tdsnp_selftest\s+(\w+)\s*\[\]\s*=\s*\{(.*?)\n\};",
                         text, flags=re.S):
        body = m.group(2)
        if re.search(r"^\s*#\s*if", body, flags=re.M):
            sys.exit(f"ktest-expected: #if inside {m.group(1)}: cannot tell the list")
        names = []
        for e in re.finditer(r'\bT\(\s*(\w+)\s*\)|\{\s*"([^"]+)"\s*,', body):
            names.append(e.group(1) or e.group(2))
        out[m.group(1)] = names
    return out


def suites(text):
    """suite variable -> array name, for `struct tdsnp_selftest_suite V = {...}`."""
    out = {}
    for m in re.finditer(r"struct\s+tdsnp_selftest_suite\s+(\w+)\s*=\s*\{(.*?)\};",
                         text, flags=re.S):
        t = re.search(r"\.tests\s*=\s*(\w+)", m.group(2))
        if t:
            out[m.group(1)] = t.group(1)
    return out


all_arrays, all_suites = {}, {}
for f in sorted((top / "tests" / "common").glob("*.c")):
    text = strip_comments(f.read_text())
    all_arrays.update(arrays(text))
    all_suites.update(suites(text))

listed = strip_comments((top / "tests" / "common" / "suites.c").read_text())
m = re.search(r"tdsnp_selftest_suites\[\]\s*=\s*\{(.*?)\};", listed, flags=re.S)
if not m:
    sys.exit("ktest-expected: no tdsnp_selftest_suites[] in suites.c")
names = []
for var in re.findall(r"&\s*(\w+)", m.group(1)):
    if var not in all_suites or all_suites[var] not in all_arrays:
        sys.exit(f"ktest-expected: suite {var} not found in tests/common")
    names += all_arrays[all_suites[var]]
ktest = arrays(strip_comments((top / "tests" / "kernel" / "ktest.c").read_text()))
if "kernel_tests" not in ktest:
    sys.exit("ktest-expected: no kernel_tests[] in tests/kernel/ktest.c")
names += ktest["kernel_tests"]
defined_fns = set()
for f in sorted((top / "tests" / "common").glob("*.c")) + [top / "tests" / "kernel" / "ktest.c"]:
    text = strip_comments(f.read_text())
    defined_fns.update(re.findall(r"^static int (test_\w+)\(char \*msg, size_t len\)", text,
                                  flags=re.M))
listed_vars = set(re.findall(r"&\s*(\w+)", m.group(1)))
errors = [f"suite {v} is defined but not in suites.c" for v in sorted(all_suites)
          if v not in listed_vars]
errors += [f"{fn} is defined but in no listed suite" for fn in sorted(defined_fns - set(names))]
if errors:
    sys.exit("ktest-expected: " + "; ".join(errors))
print("\n".join(names))
