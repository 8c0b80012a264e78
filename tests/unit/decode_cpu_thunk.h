/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Labels of the instruction thunk of test_decode_cpu.c (defined by its
 * top-level asm): the prologue and epilogue bytes are copied around the
 * instruction under test.  Never called.
 */
#ifndef TDSNP_DECODE_CPU_THUNK_H
#define TDSNP_DECODE_CPU_THUNK_H

void oracle_pro(void);
void oracle_pro_end(void);
void oracle_epi(void);
void oracle_epi_end(void);
void compat_pro(void);
void compat_pro_end(void);
void compat_epi(void);
void compat_epi_end(void);

#endif /* TDSNP_DECODE_CPU_THUNK_H */
