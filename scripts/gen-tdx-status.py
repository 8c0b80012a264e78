#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR MIT
"""Generate the TDX status-code header and lookup tables from the spec sheets.

    scripts/gen-tdx-status.py [--outdir DIR] [--check] STATUS_TSV OPERANDS_TSV

STATUS_TSV and OPERANDS_TSV are the project's spec sheets tdx-status.tsv and
tdx-operands.tsv (shared/spec/).  Writes, relative to DIR (default: the
repository root):

    include/tdx/tdx_status.h       TDX_* status codes, TDX_OPERAND_ID_* ids,
                                   status-field macros and helpers
    src/status/tdx_status_table.c  {value, details kind, name, meaning} for
                                   every code, {id, name, meaning} for every
                                   operand id, {class, name} for every class

The outputs are checked in because the spec sheets are not available in CI.
--check regenerates in memory and exits 1 if a checked-in file differs.

Rows of tdx-status.tsv are sorted by their source column:
  - TDX module 1.5.01 codes: emitted as TDX_<name>.
  - codes seen only in newer modules (UNCONFIRMED): emitted in a separate,
    marked section.
  - Linux's software codes (class 0xFF): skipped.  They belong to Linux;
    tdsnp has its own software statuses (TDSNP_SW_*, include/tdsnp/status.h)
    in the same class, which the module never uses.
  - values Linux uses for a module code that differ from 1.5.01 (LINUX_*):
    no macro, but a lookup-table entry under the module code's name so a
    module that emits them still decodes.
"""

import argparse
import hashlib
import os
import re
import sys
import textwrap

SOURCE_MODULE = 'intel/tdx-module TDX_1.5.01'
SOURCE_NEWER = 'third-party tables of a newer module'
SOURCE_LINUX = 'torvalds/linux'

STATUS_MASK = 0xFFFFFFFF00000000
LOW_MASK = 0x00000000FFFFFFFF

FLAG_BITS = {'E': 63, 'N': 62, 'F': 61, 'H': 60}

# How bits 31:0 of a status are to be read.  The sheet says it in the meaning
# column for some codes ("bits 31:0 = operand id" etc.); the rules below pick
# those up.  DETAILS_EXTRA adds the codes whose meaning column is silent but
# whose details are documented elsewhere; every name in it must exist.
DETAILS_RULES = [
    (re.compile(r'bits 31:0 = operand id'), 'OPERAND_ID'),
    (re.compile(r'bits 31:0 = MSR index'), 'MSR_INDEX'),
    (re.compile(r'bits 31:0 = (VMX )?exit reason'), 'EXIT_REASON'),
]

DETAILS_EXTRA = {
    # Same lock-contention report as TDX_OPERAND_BUSY (by name).
    'TDX_OPERAND_BUSY_HOST_PRIORITY': 'OPERAND_ID',
    # The NON_RECOVERABLE_* TD-exit family carries the VMX exit reason
    # (tdx-host.md section 3, KVM's classification of TDH.VP.ENTER).
    'TDX_NON_RECOVERABLE_TD_NON_ACCESSIBLE': 'EXIT_REASON',
    'TDX_NON_RECOVERABLE_TD_WRONG_APIC_MODE': 'EXIT_REASON',
    'TDX_NON_RECOVERABLE_TD_CORRUPTED_MD': 'EXIT_REASON',
    # L2->L1 exits of TDG.VP.ENTER: RAX bits 31:0 = full VMX exit reason
    # (tdx-guest.md sections 4.2/4.3).
    'TDX_L2_EXIT_HOST_ROUTED_ASYNC': 'EXIT_REASON',
    'TDX_L2_EXIT_HOST_ROUTED_TDVMCALL': 'EXIT_REASON',
    'TDX_L2_EXIT_PENDING_INTERRUPT': 'EXIT_REASON',
    # S-EPT and page errors the 1.5 module returns as code + operand id
    # (tdx-host.md section 3 example EPT_ENTRY_STATE_INCORRECT+RCX; the
    # module's api_error_with_operand_id() call sites for the others).
    'TDX_PAGE_NOT_FREE': 'OPERAND_ID',
    'TDX_EPT_WALK_FAILED': 'OPERAND_ID',
    'TDX_EPT_ENTRY_NOT_FREE': 'OPERAND_ID',
    'TDX_EPT_ENTRY_NOT_PRESENT': 'OPERAND_ID',
    'TDX_EPT_ENTRY_STATE_INCORRECT': 'OPERAND_ID',
    'TDX_EPT_INVALID_PROMOTE_CONDITIONS': 'OPERAND_ID',
    'TDX_EPT_PAGE_NOT_FREE': 'OPERAND_ID',
    'TDX_GPA_RANGE_NOT_BLOCKED': 'OPERAND_ID',
    'TDX_TLB_TRACKING_NOT_DONE': 'OPERAND_ID',
    'TDX_L2_SEPT_PAGE_NOT_PROVIDED': 'OPERAND_ID',
    # TDG.MEM.PAGE.ACCEPT reports the S-EPT level of the existing mapping
    # (module call sites; tdx-guest.md section 2 leaf 6).
    'TDX_PAGE_ALREADY_ACCEPTED': 'EPT_LEVEL',
    'TDX_PAGE_SIZE_MISMATCH': 'EPT_LEVEL',
}


class SheetError(Exception):
    pass


def sha256_short(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]


def read_rows(path, header_first):
    """Return (lineno, [fields]) for every data row of a spec-sheet tsv."""
    rows = []
    with open(path, encoding='ascii') as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if not line.strip() or line.startswith('#'):
                continue
            fields = line.split('\t')
            if fields[0] == header_first:
                continue
            rows.append((lineno, fields))
    return rows


def macro_name(sheet_name):
    """TDX_<name>: the sheet's name with exactly one TDX_ prefix."""
    if sheet_name.startswith('TDX_'):
        return sheet_name
    return 'TDX_' + sheet_name


def c_string(text):
    if any(ord(c) < 0x20 or ord(c) > 0x7e for c in text):
        raise SheetError('non-printable character in %r' % text)
    return '"' + text.replace('\\', '\\\\').replace('"', '\\"') + '"'


def parse_class(field, where):
    """'busy(0x02)' -> ('busy', 2); '-' -> None."""
    if field == '-':
        return None
    m = re.fullmatch(r'([a-z0-9-]+)\((0x[0-9A-Fa-f]{2})\)', field)
    if not m:
        raise SheetError('%s: bad class column %r' % (where, field))
    return m.group(1), int(m.group(2), 16)


def check_fields(value, cls, flags, where):
    """The class and flag columns must agree with the value's bits."""
    if cls is not None and (value >> 40) & 0xFF != cls[1]:
        raise SheetError('%s: class column %r disagrees with value 0x%016X' %
                         (where, cls, value))
    want = set() if flags == '-' else set(flags)
    if not want <= set(FLAG_BITS):
        raise SheetError('%s: bad flags column %r' % (where, flags))
    have = {f for f, bit in FLAG_BITS.items() if value >> bit & 1}
    if cls is not None and want != have:
        raise SheetError('%s: flags column %r disagrees with value 0x%016X' %
                         (where, flags, value))


def parse_status(path):
    module, newer, aliases = [], [], []
    classes = {}
    for lineno, f in read_rows(path, 'name'):
        where = '%s:%d' % (os.path.basename(path), lineno)
        if len(f) != 6:
            raise SheetError('%s: expected 6 columns, got %d' % (where, len(f)))
        name, value_s, meaning, class_s, flags, source = f
        if not re.fullmatch(r'0x[0-9A-Fa-f]{16}', value_s):
            raise SheetError('%s: bad value %r' % (where, value_s))
        value = int(value_s, 16)
        cls = parse_class(class_s, where)
        check_fields(value, cls, flags, where)
        # The class column is '-' only for the module's internal
        # "uninitialized" sentinel, which no leaf returns.
        row = {'name': name, 'value': value, 'meaning': meaning,
               'sentinel': cls is None}

        if source.startswith(SOURCE_MODULE):
            row['macro'] = macro_name(name)
            module.append(row)
        elif source.startswith(SOURCE_NEWER):
            row['macro'] = macro_name(name)
            newer.append(row)
        elif source.startswith(SOURCE_LINUX) and cls and cls[1] == 0xFF:
            continue  # Linux's own software codes
        elif source.startswith(SOURCE_LINUX) and name.startswith('LINUX_'):
            row['macro'] = None
            row['alias_of'] = name[len('LINUX_'):]
            aliases.append(row)
        else:
            raise SheetError('%s: unknown source %r' % (where, source))

        if cls is not None and source.startswith((SOURCE_MODULE, SOURCE_NEWER)):
            old = classes.setdefault(cls[1], cls[0])
            if old != cls[0]:
                raise SheetError('%s: class 0x%02X named %r and %r' %
                                 (where, cls[1], old, cls[0]))
    return module, newer, aliases, classes


def parse_operands(path):
    confirmed, newer = [], []
    for lineno, f in read_rows(path, 'name'):
        where = '%s:%d' % (os.path.basename(path), lineno)
        if len(f) != 5:
            raise SheetError('%s: expected 5 columns, got %d' % (where, len(f)))
        name, dec, hex_s, meaning, source = f
        if not name.startswith('OPERAND_ID_'):
            raise SheetError('%s: bad operand name %r' % (where, name))
        value = int(dec, 10)
        if value != int(hex_s, 16) or value > 0xFFFFFFFF:
            raise SheetError('%s: value columns disagree' % where)
        row = {'short': name[len('OPERAND_ID_'):], 'macro': 'TDX_' + name,
               'value': value, 'meaning': meaning}
        if source.startswith(SOURCE_MODULE):
            confirmed.append(row)
        elif source.startswith(SOURCE_NEWER):
            newer.append(row)
        else:
            raise SheetError('%s: unknown source %r' % (where, source))
    return confirmed, newer


def assign_details(entries):
    by_name = {e['macro']: e for e in entries if e['macro']}
    for name in DETAILS_EXTRA:
        if name not in by_name:
            raise SheetError('DETAILS_EXTRA names unknown code %s' % name)
    for e in entries:
        if e['macro'] is None:
            continue
        kind = 'RAW'
        for rx, k in DETAILS_RULES:
            if rx.search(e['meaning']):
                kind = k
        e['details'] = DETAILS_EXTRA.get(e['macro'], kind)
    for e in entries:
        if e['macro'] is None:
            base = by_name.get(macro_name(e['alias_of']))
            if base is None:
                raise SheetError('%s aliases unknown code' % e['name'])
            e['table_name'] = base['macro']
            e['details'] = base['details']
        else:
            e['table_name'] = e['macro']


def validate(entries, operands):
    seen_value, seen_code, seen_macro = {}, {}, set()
    for e in entries:
        v = e['value']
        if v in seen_value:
            raise SheetError('%s and %s share value 0x%016X' %
                             (seen_value[v], e['name'], v))
        seen_value[v] = e['name']
        if v & LOW_MASK == 0:
            code = v & STATUS_MASK
            if code in seen_code:
                raise SheetError('%s and %s share bits 63:32' %
                                 (seen_code[code], e['name']))
            seen_code[code] = e['name']
        # Class 0xFF is where software statuses live (Linux's and tdsnp's
        # TDSNP_SW_*); a firmware code there could be mistaken for one.
        # The all-ones sentinel has no class and is exempt.
        if not e['sentinel'] and (v >> 40) & 0xFF == 0xFF:
            raise SheetError('%s uses the software status class 0xFF' %
                             e['name'])
        if e['macro']:
            if e['macro'] in seen_macro:
                raise SheetError('duplicate name %s' % e['macro'])
            seen_macro.add(e['macro'])
    ids = {}
    for o in operands:
        if o['value'] in ids:
            raise SheetError('%s and %s share operand id %d' %
                             (ids[o['value']], o['short'], o['value']))
        ids[o['value']] = o['short']


def define_block(pairs):
    """'#define NAME<tabs>VALUE' lines, values aligned on one tab stop."""
    width = max(len('#define ' + n) for n, _ in pairs)
    col = (width // 8 + 1) * 8
    out = []
    for n, v in pairs:
        head = '#define ' + n
        tabs = (col - len(head) + 7) // 8
        out.append(head + '\t' * tabs + v)
    return out


def stamp(status_path, operands_path):
    return [
        ' * Generated by scripts/gen-tdx-status.py; do not edit, rerun it.',
        ' * Source: Intel TDX module 1.5.01 (github.com/intel/tdx-module, tag',
        ' * TDX_1.5.01), include/auto_gen/tdx_error_codes_defs.h, as transcribed',
        ' * in the tdsnp spec sheets:',
        ' *   %s sha256 %s' % (os.path.basename(status_path),
                               sha256_short(status_path)),
        ' *   %s sha256 %s' % (os.path.basename(operands_path),
                               sha256_short(operands_path)),
    ]


def status_literal(value):
    """A status as Linux spells it (asm/tdx.h, asm/shared/tdx_errno.h): 16
    upper-case hex digits, or 0ULL for success, and operand ids in lower
    case.  A macro both define is then an identical redefinition, which C
    allows, so a module may include tdsnp's header and the kernel's."""
    return '0ULL' if value == 0 else '0x%016XULL' % value


def class_macro(name):
    return 'TDX_CLASS_' + name.upper().replace('-', '_')


HEADER_LAYOUT = [
    ('TDX_STATUS_MASK', 'GENMASK_ULL(63, 32)'),
    ('TDX_STATUS_ERROR', 'BIT_ULL(63)'),
    ('TDX_STATUS_NON_RECOVERABLE', 'BIT_ULL(62)'),
    ('TDX_STATUS_FATAL', 'BIT_ULL(61)'),
    ('TDX_STATUS_HOST_RECOVERABILITY_HINT', 'BIT_ULL(60)'),
    ('TDX_STATUS_RESERVED_MASK', 'GENMASK_ULL(59, 48)'),
    ('TDX_STATUS_RESERVED_SHIFT', '48'),
    ('TDX_STATUS_CLASS_MASK', 'GENMASK_ULL(47, 40)'),
    ('TDX_STATUS_CLASS_SHIFT', '40'),
    ('TDX_STATUS_DETAILS_MASK', 'GENMASK_ULL(31, 0)'),
]

HEADER_LAYOUT_COMMENT = '''
/*
 * Status layout (RAX after SEAMCALL/TDCALL), tdx-host.md section 3:
 * 63 error, 62 non-recoverable, 61 fatal, 60 host recoverability hint,
 * 59:48 reserved, 47:40 class, 39:32 code within the class, 31:0 details
 * (operand id, MSR index, VMX exit reason or code specific).
 * Compare codes on bits 63:32 only.
 */'''

HEADER_HELPERS = '''
/**
 * tdx_status_code() - The code part of a status, details stripped
 * @status: RAX returned by SEAMCALL or TDCALL
 *
 * Return: bits 63:32 of @status, in place; compare it with a TDX_* code.
 */
static inline u64 tdx_status_code(u64 status)
{
	return status & TDX_STATUS_MASK;
}

/**
 * tdx_status_is_error() - Whether the error bit (63) is set
 * @status: RAX returned by SEAMCALL or TDCALL
 *
 * Return: true for an error; informational codes have bit 63 clear.
 */
static inline bool tdx_status_is_error(u64 status)
{
	return !!(status & TDX_STATUS_ERROR);
}

/**
 * tdx_status_is_non_recoverable() - Whether bit 62 is set
 * @status: RAX returned by SEAMCALL or TDCALL
 *
 * Return: true if the module marked the failure non-recoverable.
 */
static inline bool tdx_status_is_non_recoverable(u64 status)
{
	return !!(status & TDX_STATUS_NON_RECOVERABLE);
}

/**
 * tdx_status_is_fatal() - Whether the fatal bit (61) is set
 * @status: RAX returned by SEAMCALL or TDCALL
 *
 * Return: true if the TD is fatal and can only be torn down.
 */
static inline bool tdx_status_is_fatal(u64 status)
{
	return !!(status & TDX_STATUS_FATAL);
}

/**
 * tdx_status_host_hint() - Whether the host recoverability hint (60) is set
 * @status: RAX returned by SEAMCALL or TDCALL
 *
 * Return: true if bit 60 is set.
 */
static inline bool tdx_status_host_hint(u64 status)
{
	return !!(status & TDX_STATUS_HOST_RECOVERABILITY_HINT);
}

/**
 * tdx_status_class() - The class field, bits 47:40
 * @status: RAX returned by SEAMCALL or TDCALL
 *
 * Return: the class number, one of TDX_CLASS_* for known classes.
 */
static inline u8 tdx_status_class(u64 status)
{
	return (status & TDX_STATUS_CLASS_MASK) >> TDX_STATUS_CLASS_SHIFT;
}

/**
 * tdx_status_details() - The details field, bits 31:0
 * @status: RAX returned by SEAMCALL or TDCALL
 *
 * Return: operand id, MSR index, VMX exit reason or other code-specific
 * details, depending on the code.
 */
static inline u32 tdx_status_details(u64 status)
{
	return status & TDX_STATUS_DETAILS_MASK;
}
'''


def gen_header(module, newer, operands, newer_operands, classes, paths):
    out = ['/* SPDX-License-Identifier: GPL-2.0-only OR MIT */', '/*',
           ' * TDX module status codes and operand ids.', ' *']
    out += stamp(*paths)
    out += [
        ' *',
    ]
    note = ('Names are the module\'s, with TDX_ added where it has none '
            '(%s).  Linux\'s software codes (class 0xFF) are not here: '
            'tdsnp\'s own software statuses are TDSNP_SW_* in '
            '<tdsnp/status.h>.' %
            ', '.join(e['name'] for e in module + newer
                      if e['macro'] != e['name']))
    out += [' * ' + line for line in textwrap.wrap(note, 72)]
    out += [
        ' */',
        '#ifndef TDX_TDX_STATUS_H',
        '#define TDX_TDX_STATUS_H',
        '',
        '#include <tdsnp/compiler.h>',
    ]
    out += HEADER_LAYOUT_COMMENT.split('\n')
    out += define_block(HEADER_LAYOUT)
    out += HEADER_HELPERS.split('\n')
    out += ['/* Status classes, bits 47:40. */']
    out += define_block([(class_macro(n), '0x%02X' % c)
                         for c, n in sorted(classes.items())])
    out += ['', '/* TDX module 1.5.01 status codes. */']
    out += define_block([(e['macro'], status_literal(e['value']))
                         for e in module if not e['sentinel']])
    out += ['', '/* Module-internal "uninitialized" sentinel; no leaf returns it. */']
    out += define_block([(e['macro'], '0x%016XULL' % e['value'])
                         for e in module if e['sentinel']])
    out += ['', '/*',
            ' * UNCONFIRMED: codes of newer modules, not in 1.5.01, taken from',
            ' * third-party tables.  A 1.5.01 module never returns them.',
            ' */']
    out += define_block([(e['macro'], '0x%016XULL' % e['value'])
                         for e in newer])
    out += ['', '/* Operand ids (status details for operand errors), module 1.5.01. */']
    out += define_block([(o['macro'], '0x%02x' % o['value'])
                         for o in operands])
    out += ['', '/* UNCONFIRMED: operand ids of newer modules, not in 1.5.01. */']
    out += define_block([(o['macro'], '0x%02x' % o['value'])
                         for o in newer_operands])
    out += ['', '#endif /* TDX_TDX_STATUS_H */', '']
    return '\n'.join(out)


def meaning_lines(text):
    """.meaning on one line when it fits 100 columns, else the string alone
    on the next line (checkpatch allows a long line that is only a string).
    """
    one = '\t\t.meaning = %s,' % c_string(text)
    if len(one.expandtabs(8)) <= 100:
        return [one]
    return ['\t\t.meaning =', '\t\t\t%s,' % c_string(text)]


def status_entry(e):
    value = e['macro'] if e['macro'] else '0x%016XULL' % e['value']
    return [
        '\t{',
        '\t\t.value = %s,' % value,
        '\t\t.details = TDX_DETAILS_%s,' % e['details'],
        '\t\t.name = %s,' % c_string(e['table_name']),
    ] + meaning_lines(e['meaning']) + ['\t},']


def operand_entry(o):
    return [
        '\t{',
        '\t\t.id = %s,' % o['macro'],
        '\t\t.name = %s,' % c_string(o['short']),
    ] + meaning_lines(o['meaning']) + ['\t},']


def gen_table(module, newer, aliases, operands, newer_operands, classes,
              paths):
    out = ['// SPDX-License-Identifier: GPL-2.0-only OR MIT', '/*',
           ' * Lookup tables for TDX module status codes, operand ids and',
           ' * status classes; decoded by src/status/status.c.', ' *']
    out += stamp(*paths)
    out += [' */', '#include <tdsnp/status.h>', '',
            'const struct tdx_status_entry tdx_status_table[] = {',
            '\t/* TDX module 1.5.01. */']
    for e in module:
        out += status_entry(e)
    out += ['', '\t/* UNCONFIRMED: newer modules only, not in 1.5.01. */']
    for e in newer:
        out += status_entry(e)
    out += ['',
            '\t/*',
            '\t * Values Linux uses for module codes that differ from 1.5.01',
            '\t * (UNCONFIRMED which modules emit them); listed under the',
            '\t * module code\'s name so they still decode.',
            '\t */']
    for e in aliases:
        out += status_entry(e)
    out += ['};', '',
            'const size_t tdx_status_table_len = ARRAY_SIZE(tdx_status_table);',
            '',
            'const struct tdx_operand_entry tdx_operand_table[] = {',
            '\t/* TDX module 1.5.01. */']
    for o in operands:
        out += operand_entry(o)
    out += ['', '\t/* UNCONFIRMED: newer modules only, not in 1.5.01. */']
    for o in newer_operands:
        out += operand_entry(o)
    out += ['};', '',
            'const size_t tdx_operand_table_len = ARRAY_SIZE(tdx_operand_table);',
            '',
            'const struct tdx_status_class_entry tdx_status_class_table[] = {']
    for c, n in sorted(classes.items()):
        out.append('\t{ %s, %s },' % (class_macro(n), c_string(n)))
    out += ['};', '',
            'const size_t tdx_status_class_table_len = '
            'ARRAY_SIZE(tdx_status_class_table);', '']
    return '\n'.join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('status_tsv')
    ap.add_argument('operands_tsv')
    ap.add_argument('--outdir', default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..'))
    ap.add_argument('--check', action='store_true',
                    help='compare with the checked-in files, write nothing')
    args = ap.parse_args()

    try:
        module, newer, aliases, classes = parse_status(args.status_tsv)
        operands, newer_operands = parse_operands(args.operands_tsv)
        entries = module + newer + aliases
        assign_details(entries)
        validate(entries, operands + newer_operands)
    except (SheetError, OSError, ValueError) as err:
        print('gen-tdx-status: %s' % err, file=sys.stderr)
        return 2

    paths = (args.status_tsv, args.operands_tsv)
    outputs = {
        'include/tdx/tdx_status.h':
            gen_header(module, newer, operands, newer_operands, classes, paths),
        'src/status/tdx_status_table.c':
            gen_table(module, newer, aliases, operands, newer_operands,
                      classes, paths),
    }

    stale = []
    for rel, text in outputs.items():
        path = os.path.join(args.outdir, rel)
        if args.check:
            try:
                with open(path, encoding='ascii') as f:
                    if f.read() != text:
                        stale.append(rel)
            except OSError:
                stale.append(rel)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='ascii') as f:
            f.write(text)
    if stale:
        print('gen-tdx-status: out of date: %s' % ', '.join(stale),
              file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
