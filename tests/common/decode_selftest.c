// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The MMIO decoder and emulator, in both builds: known encodings decode to
 * exact fields, emulation gives the CPU's register and flag results, and a
 * seeded fuzz run keeps the decoder's invariants on arbitrary bytes.
 */
#include <vmm/decode.h>
#include <tdsnp/platform.h>
#include "selftest.h"

#ifdef __KERNEL__
#include <linux/kernel.h>
#else
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#endif

/*
 * One expected decoding.  Every encoding below is written by hand from the
 * SDM vol. 2 (chapter 2 encoding rules, tables, the instruction
 * pages), not produced by any decoder.
 */
struct dcase {
	const char *what;
	u8 bytes[16];
	u8 n;
	u8 mode;
	int ret;
	/* Expected fields when ret == 0. */
	u8 len, kind, alu_op, size, reg_size;
	s8 reg;
	bool high8, sext, to_reg, has_imm, rip;
	u64 imm;
	s8 base, index;
	u8 scale;
	s64 disp;
	u8 as;		/* address size; 0: not checked */
	bool lock, moffs, port_in;
	u8 str_op, rep;
};

#define M64 VMM_MODE_64
#define M32 VMM_MODE_32
#define M16 VMM_MODE_16
#define ST VMM_INSN_STORE
#define LD VMM_INSN_LOAD
#define AL VMM_INSN_ALU
#define XC VMM_INSN_XCHG
#define NOMEM .base = -1, .index = -1, .scale = 1
#define AT(b) .base = (b), .index = -1, .scale = 1
#define BAD(err) (err), .len = 0

/* MOV in its memory forms: ModRM/SIB/disp of every address size, moffs. */
static const struct dcase mov_cases[] = {
	{ "mov [rdi],eax", { 0x89, 0x07 }, 2, M64, 0, 2, ST, 0, 4, 4, VMM_RAX, AT(VMM_RDI),
	  .as = 8 },
	{ "mov [rdi],rax", { 0x48, 0x89, 0x07 }, 3, M64, 0, 3, ST, 0, 8, 8, VMM_RAX, AT(VMM_RDI) },
	{ "mov [rdi],r8d", { 0x44, 0x89, 0x07 }, 3, M64, 0, 3, ST, 0, 4, 4, VMM_R8, AT(VMM_RDI) },
	{ "mov [rdi],ah", { 0x88, 0x27 }, 2, M64, 0, 2, ST, 0, 1, 1, VMM_RAX, .high8 = true,
	  AT(VMM_RDI) },
	{ "mov [rdi],spl", { 0x40, 0x88, 0x27 }, 3, M64, 0, 3, ST, 0, 1, 1, VMM_RSP,
	  AT(VMM_RDI) },
	{ "mov [rdi],ax", { 0x66, 0x89, 0x07 }, 3, M64, 0, 3, ST, 0, 2, 2, VMM_RAX, AT(VMM_RDI) },
	{ "66 + REX.W: 64-bit wins", { 0x66, 0x48, 0x89, 0x07 }, 4, M64, 0, 4, ST, 0, 8, 8,
	  VMM_RAX, AT(VMM_RDI) },
	{ "mov eax,[rip+0x10]", { 0x8b, 0x05, 0x10, 0, 0, 0 }, 6, M64, 0, 6, LD, 0, 4, 4,
	  VMM_RAX, .rip = true, NOMEM, .disp = 0x10 },
	{ "mov eax,[eip-1] (67)", { 0x67, 0x8b, 0x05, 0xff, 0xff, 0xff, 0xff }, 7, M64, 0, 7,
	  LD, 0, 4, 4, VMM_RAX, .rip = true, NOMEM, .disp = -1, .as = 4 },
	{ "mov eax,[0x10] (32-bit)", { 0x8b, 0x05, 0x10, 0, 0, 0 }, 6, M32, 0, 6, LD, 0, 4, 4,
	  VMM_RAX, NOMEM, .disp = 0x10, .as = 4 },
	{ "mov dword [rdi],0x12345678", { 0xc7, 0x07, 0x78, 0x56, 0x34, 0x12 }, 6, M64, 0, 6,
	  ST, 0, 4, 4, -1, .has_imm = true, .imm = 0x12345678, AT(VMM_RDI) },
	{ "mov qword [rdi],-1", { 0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0xff }, 7, M64, 0, 7, ST, 0,
	  8, 8, -1, .has_imm = true, .imm = ~0ULL, AT(VMM_RDI) },
	{ "mov word [rdi],0x8000", { 0x66, 0xc7, 0x07, 0x00, 0x80 }, 5, M64, 0, 5, ST, 0, 2, 2,
	  -1, .has_imm = true, .imm = 0x8000, AT(VMM_RDI) },
	{ "mov byte [rdi],0xab", { 0xc6, 0x07, 0xab }, 3, M64, 0, 3, ST, 0, 1, 1, -1,
	  .has_imm = true, .imm = 0xab, AT(VMM_RDI) },
	{ "mov eax,[moffs64]", { 0xa1, 0x00, 0x10, 0, 0, 0, 0, 0, 0 }, 9, M64, 0, 9, LD, 0, 4, 4,
	  VMM_RAX, NOMEM, .disp = 0x1000, .moffs = true, .as = 8 },
	{ "mov [moffs64],rax, top bit set", { 0x48, 0xa3, 0, 0, 0, 0, 0, 0, 0, 0x80 }, 10, M64, 0,
	  10, ST, 0, 8, 8, VMM_RAX, NOMEM, .disp = (s64)0x8000000000000000ULL, .moffs = true },
	{ "mov [moffs32],al (67)", { 0x67, 0xa2, 0x00, 0x20, 0, 0 }, 6, M64, 0, 6, ST, 0, 1, 1,
	  VMM_RAX, NOMEM, .disp = 0x2000, .moffs = true, .as = 4 },
	{ "mov eax,[moffs32] (32-bit), zero-extended", { 0xa1, 0, 0, 0, 0xfe }, 5, M32, 0, 5,
	  LD, 0, 4, 4, VMM_RAX, NOMEM, .disp = 0xfe000000, .moffs = true, .as = 4 },
	{ "mov ax,[moffs16] (32-bit, 67)", { 0x67, 0x66, 0xa1, 0x34, 0x12 }, 5, M32, 0, 5, LD,
	  0, 2, 2, VMM_RAX, NOMEM, .disp = 0x1234, .moffs = true, .as = 2 },
	{ "mov ax,[moffs16] (16-bit)", { 0xa1, 0xfe, 0xff }, 3, M16, 0, 3, LD, 0, 2, 2, VMM_RAX,
	  NOMEM, .disp = 0xfffe, .moffs = true, .as = 2 },
	{ "mov eax,[moffs16] (16-bit, 66)", { 0x66, 0xa1, 0x00, 0x10 }, 4, M16, 0, 4, LD, 0, 4,
	  4, VMM_RAX, NOMEM, .disp = 0x1000, .moffs = true, .as = 2 },
	{ "mov ax,[bx] (16-bit)", { 0x8b, 0x07 }, 2, M16, 0, 2, LD, 0, 2, 2, VMM_RAX,
	  AT(VMM_RBX), .as = 2 },
	{ "mov ax,[bx+si]", { 0x8b, 0x00 }, 2, M16, 0, 2, LD, 0, 2, 2, VMM_RAX,
	  .base = VMM_RBX, .index = VMM_RSI, .scale = 1, .as = 2 },
	{ "mov ax,[bp+di+0x10]", { 0x8b, 0x43, 0x10 }, 3, M16, 0, 3, LD, 0, 2, 2, VMM_RAX,
	  .base = VMM_RBP, .index = VMM_RDI, .scale = 1, .disp = 0x10, .as = 2 },
	{ "mov ax,[bp-2]", { 0x8b, 0x46, 0xfe }, 3, M16, 0, 3, LD, 0, 2, 2, VMM_RAX,
	  AT(VMM_RBP), .disp = -2, .as = 2 },
	{ "mov ax,[0x1234] (16-bit disp16)", { 0x8b, 0x06, 0x34, 0x12 }, 4, M16, 0, 4, LD, 0, 2,
	  2, VMM_RAX, NOMEM, .disp = 0x1234, .as = 2 },
	{ "mov ax,[si-0x8000]", { 0x8b, 0x84, 0x00, 0x80 }, 4, M16, 0, 4, LD, 0, 2, 2, VMM_RAX,
	  AT(VMM_RSI), .disp = -0x8000, .as = 2 },
	{ "mov eax,[bx] (32-bit code, 67)", { 0x67, 0x8b, 0x07 }, 3, M32, 0, 3, LD, 0, 4, 4,
	  VMM_RAX, AT(VMM_RBX), .as = 2 },
	{ "mov ax,[edi] (16-bit code, 67)", { 0x67, 0x8b, 0x07 }, 3, M16, 0, 3, LD, 0, 2, 2,
	  VMM_RAX, AT(VMM_RDI), .as = 4 },
	{ "mov eax,[edi] (67)", { 0x67, 0x8b, 0x07 }, 3, M64, 0, 3, LD, 0, 4, 4, VMM_RAX,
	  AT(VMM_RDI), .as = 4 },
	{ "mov eax,[rsp+8]", { 0x8b, 0x44, 0x24, 0x08 }, 4, M64, 0, 4, LD, 0, 4, 4, VMM_RAX,
	  AT(VMM_RSP), .disp = 8 },
	{ "mov eax,[rcx*4+0x1000]", { 0x8b, 0x04, 0x8d, 0x00, 0x10, 0, 0 }, 7, M64, 0, 7, LD, 0,
	  4, 4, VMM_RAX, .base = -1, .index = VMM_RCX, .scale = 4, .disp = 0x1000 },
	{ "mov eax,[rax+r12*4]", { 0x42, 0x8b, 0x04, 0xa0 }, 4, M64, 0, 4, LD, 0, 4, 4, VMM_RAX,
	  .base = VMM_RAX, .index = VMM_R12, .scale = 4 },
	{ "mov r9,[r13-0x80]", { 0x4d, 0x8b, 0x4d, 0x80 }, 4, M64, 0, 4, LD, 0, 8, 8, VMM_R9,
	  AT(VMM_R13), .disp = -0x80 },
	{ "SIB base 101 mod 00 + REX.B: no base, disp32", { 0x41, 0x8b, 0x04, 0x25, 0, 0x10,
	  0, 0 }, 8, M64, 0, 8, LD, 0, 4, 4, VMM_RAX, NOMEM, .disp = 0x1000 },
	{ "SIB index 100 + REX.X is r12", { 0x43, 0x8b, 0x04, 0x65, 0, 0x10, 0, 0 }, 8, M64, 0,
	  8, LD, 0, 4, 4, VMM_RAX, .base = -1, .index = VMM_R12, .scale = 2, .disp = 0x1000 },
	{ "mov eax,[r12] (SIB)", { 0x41, 0x8b, 0x04, 0x24 }, 4, M64, 0, 4, LD, 0, 4, 4, VMM_RAX,
	  AT(VMM_R12) },
	{ "mov r15,[rsp]", { 0x4c, 0x8b, 0x3c, 0x24 }, 4, M64, 0, 4, LD, 0, 8, 8, VMM_R15,
	  AT(VMM_RSP) },
	{ "REX not last is ignored", { 0x48, 0x66, 0x89, 0x07 }, 4, M64, 0, 4, ST, 0, 2, 2,
	  VMM_RAX, AT(VMM_RDI) },
	{ "15-byte instruction is accepted", { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	  0x66, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00 }, 15, M64, 0, 15, LD, 0, 2, 2, VMM_RAX,
	  .rip = true, NOMEM, .disp = 0x10 },
};

/* MOVZX, MOVSX, MOVSXD, MOVNTI. */
static const struct dcase ext_cases[] = {
	{ "movzx eax,byte [rdi]", { 0x0f, 0xb6, 0x07 }, 3, M64, 0, 3, LD, 0, 1, 4, VMM_RAX,
	  AT(VMM_RDI) },
	{ "movzx ax,byte [rdi]", { 0x66, 0x0f, 0xb6, 0x07 }, 4, M64, 0, 4, LD, 0, 1, 2, VMM_RAX,
	  AT(VMM_RDI) },
	{ "movzx eax,word [rdi]", { 0x0f, 0xb7, 0x07 }, 3, M64, 0, 3, LD, 0, 2, 4, VMM_RAX,
	  AT(VMM_RDI) },
	{ "movsx ecx,byte [rdi]", { 0x0f, 0xbe, 0x0f }, 3, M64, 0, 3, LD, 0, 1, 4, VMM_RCX,
	  .sext = true, AT(VMM_RDI) },
	{ "movsx rax,word [rdi]", { 0x48, 0x0f, 0xbf, 0x07 }, 4, M64, 0, 4, LD, 0, 2, 8, VMM_RAX,
	  .sext = true, AT(VMM_RDI) },
	{ "movsxd rax,dword [rdi]", { 0x48, 0x63, 0x07 }, 3, M64, 0, 3, LD, 0, 4, 8, VMM_RAX,
	  .sext = true, AT(VMM_RDI) },
	{ "movsxd eax,dword [rdi] (no REX.W: a MOV)", { 0x63, 0x07 }, 2, M64, 0, 2, LD, 0, 4, 4,
	  VMM_RAX, AT(VMM_RDI) },
	{ "arpl in 32-bit code", { 0x63, 0x07 }, 2, M32, BAD(-EOPNOTSUPP) },
	{ "movnti [rdi],eax", { 0x0f, 0xc3, 0x07 }, 3, M64, 0, 3, ST, 0, 4, 4, VMM_RAX,
	  AT(VMM_RDI) },
	{ "movnti [rdi],r9", { 0x4c, 0x0f, 0xc3, 0x0f }, 4, M64, 0, 4, ST, 0, 8, 8, VMM_R9,
	  AT(VMM_RDI) },
	{ "66 movnti is #UD", { 0x66, 0x0f, 0xc3, 0x07 }, 4, M64, BAD(-EINVAL) },
};

/* ADD OR ADC SBB AND SUB XOR CMP and TEST, all forms, LOCK rules. */
static const struct dcase alu_cases[] = {
	{ "or dword [rdi],1", { 0x83, 0x0f, 0x01 }, 3, M64, 0, 3, AL, VMM_ALU_OR, 4, 4, -1,
	  .has_imm = true, .imm = 1, AT(VMM_RDI) },
	{ "and dword [rdi],-2 (83)", { 0x83, 0x27, 0xfe }, 3, M64, 0, 3, AL, VMM_ALU_AND, 4, 4,
	  -1, .has_imm = true, .imm = 0xfffffffe, AT(VMM_RDI) },
	{ "add qword [rdi],-128 (83)", { 0x48, 0x83, 0x07, 0x80 }, 4, M64, 0, 4, AL, VMM_ALU_ADD,
	  8, 8, -1, .has_imm = true, .imm = 0xffffffffffffff80ULL, AT(VMM_RDI) },
	{ "adc qword [rdi],-1 (81)", { 0x48, 0x81, 0x17, 0xff, 0xff, 0xff, 0xff }, 7, M64, 0, 7,
	  AL, VMM_ALU_ADC, 8, 8, -1, .has_imm = true, .imm = ~0ULL, AT(VMM_RDI) },
	{ "xor dword [rdi],0x12345678", { 0x81, 0x37, 0x78, 0x56, 0x34, 0x12 }, 6, M64, 0, 6,
	  AL, VMM_ALU_XOR, 4, 4, -1, .has_imm = true, .imm = 0x12345678, AT(VMM_RDI) },
	{ "sub word [rdi],0x1234", { 0x66, 0x81, 0x2f, 0x34, 0x12 }, 5, M64, 0, 5, AL,
	  VMM_ALU_SUB, 2, 2, -1, .has_imm = true, .imm = 0x1234, AT(VMM_RDI) },
	{ "cmp byte [rdi],5", { 0x80, 0x3f, 0x05 }, 3, M64, 0, 3, AL, VMM_ALU_CMP, 1, 1, -1,
	  .has_imm = true, .imm = 5, AT(VMM_RDI) },
	{ "sbb byte [edi],5 (82, 32-bit)", { 0x82, 0x1f, 0x05 }, 3, M32, 0, 3, AL, VMM_ALU_SBB, 1,
	  1, -1, .has_imm = true, .imm = 5, AT(VMM_RDI) },
	{ "82 is #UD in 64-bit mode", { 0x82, 0x07, 0x05 }, 3, M64, BAD(-EINVAL) },
	{ "add eax,[rdi]", { 0x03, 0x07 }, 2, M64, 0, 2, AL, VMM_ALU_ADD, 4, 4, VMM_RAX,
	  .to_reg = true, AT(VMM_RDI) },
	{ "sub [rdi],ecx", { 0x29, 0x0f }, 2, M64, 0, 2, AL, VMM_ALU_SUB, 4, 4, VMM_RCX,
	  AT(VMM_RDI) },
	{ "and [rdi],ah", { 0x20, 0x27 }, 2, M64, 0, 2, AL, VMM_ALU_AND, 1, 1, VMM_RAX,
	  .high8 = true, AT(VMM_RDI) },
	{ "cmp r10b,[rdi]", { 0x44, 0x3a, 0x17 }, 3, M64, 0, 3, AL, VMM_ALU_CMP, 1, 1, VMM_R10,
	  .to_reg = true, AT(VMM_RDI) },
	{ "test dword [rdi],0x100", { 0xf7, 0x07, 0x00, 0x01, 0, 0 }, 6, M64, 0, 6, AL,
	  VMM_ALU_TEST, 4, 4, -1, .has_imm = true, .imm = 0x100, AT(VMM_RDI) },
	{ "test byte [rdi],0x80 (f6 /1)", { 0xf6, 0x0f, 0x80 }, 3, M64, 0, 3, AL, VMM_ALU_TEST,
	  1, 1, -1, .has_imm = true, .imm = 0x80, AT(VMM_RDI) },
	{ "test [rdi],al", { 0x84, 0x07 }, 2, M64, 0, 2, AL, VMM_ALU_TEST, 1, 1, VMM_RAX,
	  AT(VMM_RDI) },
	{ "not [rdi] is not emulated", { 0xf7, 0x17 }, 2, M64, BAD(-EOPNOTSUPP) },
	{ "lock add [rdi],eax", { 0xf0, 0x01, 0x07 }, 3, M64, 0, 3, AL, VMM_ALU_ADD, 4, 4,
	  VMM_RAX, AT(VMM_RDI), .lock = true },
	{ "lock or dword [rdi],1", { 0xf0, 0x83, 0x0f, 0x01 }, 4, M64, 0, 4, AL, VMM_ALU_OR, 4,
	  4, -1, .has_imm = true, .imm = 1, AT(VMM_RDI), .lock = true },
	{ "lock add eax,[rdi] is #UD", { 0xf0, 0x03, 0x07 }, 3, M64, BAD(-EINVAL) },
	{ "lock cmp [rdi],eax is #UD", { 0xf0, 0x39, 0x07 }, 3, M64, BAD(-EINVAL) },
	{ "lock cmp dword [rdi],1 is #UD", { 0xf0, 0x83, 0x3f, 0x01 }, 4, M64, BAD(-EINVAL) },
	{ "lock test is #UD", { 0xf0, 0x85, 0x07 }, 3, M64, BAD(-EINVAL) },
};

/* XCHG, XADD, CMPXCHG. */
static const struct dcase atomic_cases[] = {
	{ "xchg [rdi],eax", { 0x87, 0x07 }, 2, M64, 0, 2, XC, 0, 4, 4, VMM_RAX, AT(VMM_RDI) },
	{ "xchg [rdi],ah", { 0x86, 0x27 }, 2, M64, 0, 2, XC, 0, 1, 1, VMM_RAX, .high8 = true,
	  AT(VMM_RDI) },
	{ "lock xchg [rdi],rax", { 0xf0, 0x48, 0x87, 0x07 }, 4, M64, 0, 4, XC, 0, 8, 8, VMM_RAX,
	  AT(VMM_RDI), .lock = true },
	{ "xadd [rdi],ecx", { 0x0f, 0xc1, 0x0f }, 3, M64, 0, 3, VMM_INSN_XADD, 0, 4, 4, VMM_RCX,
	  AT(VMM_RDI) },
	{ "lock xadd [rdi],dl", { 0xf0, 0x0f, 0xc0, 0x17 }, 4, M64, 0, 4, VMM_INSN_XADD, 0, 1, 1,
	  VMM_RDX, AT(VMM_RDI), .lock = true },
	{ "cmpxchg [rdi],ecx", { 0x0f, 0xb1, 0x0f }, 3, M64, 0, 3, VMM_INSN_CMPXCHG, 0, 4, 4,
	  VMM_RCX, AT(VMM_RDI) },
	{ "lock cmpxchg [rdi],rcx", { 0xf0, 0x48, 0x0f, 0xb1, 0x0f }, 5, M64, 0, 5,
	  VMM_INSN_CMPXCHG, 0, 8, 8, VMM_RCX, AT(VMM_RDI), .lock = true },
	{ "cmpxchg [rdi],bh", { 0x0f, 0xb0, 0x3f }, 3, M64, 0, 3, VMM_INSN_CMPXCHG, 0, 1, 1,
	  VMM_RBX, .high8 = true, AT(VMM_RDI) },
};

/* BT, BTS, BTR, BTC with register and immediate offsets. */
static const struct dcase bt_cases[] = {
	{ "bt [rdi],eax", { 0x0f, 0xa3, 0x07 }, 3, M64, 0, 3, AL, VMM_ALU_BT, 4, 4, VMM_RAX,
	  AT(VMM_RDI) },
	{ "bts [rdi],rcx", { 0x48, 0x0f, 0xab, 0x0f }, 4, M64, 0, 4, AL, VMM_ALU_BTS, 8, 8,
	  VMM_RCX, AT(VMM_RDI) },
	{ "btr [rdi],dx", { 0x66, 0x0f, 0xb3, 0x17 }, 4, M64, 0, 4, AL, VMM_ALU_BTR, 2, 2,
	  VMM_RDX, AT(VMM_RDI) },
	{ "lock btc [rdi],eax", { 0xf0, 0x0f, 0xbb, 0x07 }, 4, M64, 0, 4, AL, VMM_ALU_BTC, 4, 4,
	  VMM_RAX, AT(VMM_RDI), .lock = true },
	{ "bt dword [rdi],3", { 0x0f, 0xba, 0x27, 0x03 }, 4, M64, 0, 4, AL, VMM_ALU_BT, 4, 4, -1,
	  .has_imm = true, .imm = 3, AT(VMM_RDI) },
	{ "bts dword [rdi],0x9f (imm not sign-extended)", { 0x0f, 0xba, 0x2f, 0x9f }, 4, M64, 0,
	  4, AL, VMM_ALU_BTS, 4, 4, -1, .has_imm = true, .imm = 0x9f, AT(VMM_RDI) },
	{ "lock btr qword [rdi],63", { 0xf0, 0x48, 0x0f, 0xba, 0x37, 0x3f }, 6, M64, 0, 6, AL,
	  VMM_ALU_BTR, 8, 8, -1, .has_imm = true, .imm = 63, AT(VMM_RDI), .lock = true },
	{ "btc word [rdi],1", { 0x66, 0x0f, 0xba, 0x3f, 0x01 }, 5, M64, 0, 5, AL, VMM_ALU_BTC, 2,
	  2, -1, .has_imm = true, .imm = 1, AT(VMM_RDI) },
	{ "0f ba /0 is #UD", { 0x0f, 0xba, 0x07, 0x03 }, 4, M64, BAD(-EINVAL) },
	{ "lock bt is #UD", { 0xf0, 0x0f, 0xa3, 0x07 }, 4, M64, BAD(-EINVAL) },
	{ "lock bt imm is #UD", { 0xf0, 0x0f, 0xba, 0x27, 0x01 }, 5, M64, BAD(-EINVAL) },
};

/* String instructions with their repeat prefixes and sizes. */
static const struct dcase string_cases[] = {
	{ "movsb", { 0xa4 }, 1, M64, 0, 1, VMM_INSN_STRING, 0, 1, 1, -1, NOMEM, .as = 8,
	  .str_op = VMM_STR_MOVS },
	{ "rep movsd", { 0xf3, 0xa5 }, 2, M64, 0, 2, VMM_INSN_STRING, 0, 4, 4, -1, NOMEM,
	  .str_op = VMM_STR_MOVS, .rep = VMM_REP_E },
	{ "rep movsq", { 0xf3, 0x48, 0xa5 }, 3, M64, 0, 3, VMM_INSN_STRING, 0, 8, 8, -1, NOMEM,
	  .str_op = VMM_STR_MOVS, .rep = VMM_REP_E },
	{ "movsw, 32-bit addresses", { 0x66, 0x67, 0xa5 }, 3, M64, 0, 3, VMM_INSN_STRING, 0, 2,
	  2, -1, NOMEM, .as = 4, .str_op = VMM_STR_MOVS },
	{ "repe cmpsb", { 0xf3, 0xa6 }, 2, M64, 0, 2, VMM_INSN_STRING, 0, 1, 1, -1, NOMEM,
	  .str_op = VMM_STR_CMPS, .rep = VMM_REP_E },
	{ "repne scasw (16-bit code)", { 0xf2, 0xaf }, 2, M16, 0, 2, VMM_INSN_STRING, 0, 2, 2,
	  -1, NOMEM, .as = 2, .str_op = VMM_STR_SCAS, .rep = VMM_REP_NE },
	{ "rep stosq", { 0xf3, 0x48, 0xab }, 3, M64, 0, 3, VMM_INSN_STRING, 0, 8, 8, -1, NOMEM,
	  .str_op = VMM_STR_STOS, .rep = VMM_REP_E },
	{ "lodsb", { 0xac }, 1, M32, 0, 1, VMM_INSN_STRING, 0, 1, 1, -1, NOMEM, .as = 4,
	  .str_op = VMM_STR_LODS },
	{ "rep insb", { 0xf3, 0x6c }, 2, M64, 0, 2, VMM_INSN_STRING, 0, 1, 1, -1, NOMEM,
	  .str_op = VMM_STR_INS, .rep = VMM_REP_E },
	{ "rep outsd, REX.W ignored", { 0xf3, 0x48, 0x6f }, 3, M64, 0, 3, VMM_INSN_STRING, 0, 4,
	  4, -1, NOMEM, .str_op = VMM_STR_OUTS, .rep = VMM_REP_E },
	{ "repne movsb is not emulated", { 0xf2, 0xa4 }, 2, M64, BAD(-EOPNOTSUPP) },
	{ "lock movsb is #UD", { 0xf0, 0xa4 }, 2, M64, BAD(-EINVAL) },
};

/* IN and OUT. */
static const struct dcase port_cases[] = {
	{ "in al,0x60", { 0xe4, 0x60 }, 2, M64, 0, 2, VMM_INSN_PORT, 0, 1, 1, -1,
	  .has_imm = true, .imm = 0x60, NOMEM, .port_in = true },
	{ "in ax,0x71", { 0x66, 0xe5, 0x71 }, 3, M64, 0, 3, VMM_INSN_PORT, 0, 2, 2, -1,
	  .has_imm = true, .imm = 0x71, NOMEM, .port_in = true },
	{ "out 0x80,al", { 0xe6, 0x80 }, 2, M64, 0, 2, VMM_INSN_PORT, 0, 1, 1, -1,
	  .has_imm = true, .imm = 0x80, NOMEM },
	{ "in eax,dx, REX.W ignored", { 0x48, 0xed }, 2, M64, 0, 2, VMM_INSN_PORT, 0, 4, 4, -1,
	  NOMEM, .port_in = true },
	{ "out dx,ax (16-bit code)", { 0xef }, 1, M16, 0, 1, VMM_INSN_PORT, 0, 2, 2, -1, NOMEM },
	{ "lock in is #UD", { 0xf0, 0xec }, 2, M64, BAD(-EINVAL) },
};

/* SSE and AVX moves to and from memory. */
#define VL VMM_INSN_VEC_LOAD
#define VS VMM_INSN_VEC_STORE
static const struct dcase vec_cases[] = {
	{ "movd xmm1,[rdi]", { 0x66, 0x0f, 0x6e, 0x0f }, 4, M64, 0, 4, VL, 0, 4, 4, 1,
	  AT(VMM_RDI) },
	{ "movq xmm9,[rdi] (66 REX.W 6e)", { 0x66, 0x4c, 0x0f, 0x6e, 0x0f }, 5, M64, 0, 5, VL, 0,
	  8, 8, 9, AT(VMM_RDI) },
	{ "movd [rdi],xmm2", { 0x66, 0x0f, 0x7e, 0x17 }, 4, M64, 0, 4, VS, 0, 4, 4, 2,
	  AT(VMM_RDI) },
	{ "movq xmm0,[rdi] (f3 0f 7e)", { 0xf3, 0x0f, 0x7e, 0x07 }, 4, M64, 0, 4, VL, 0, 8, 8, 0,
	  AT(VMM_RDI) },
	{ "movq [rdi],xmm3 (66 0f d6)", { 0x66, 0x0f, 0xd6, 0x1f }, 4, M64, 0, 4, VS, 0, 8, 8, 3,
	  AT(VMM_RDI) },
	{ "movdqa xmm0,[rdi]", { 0x66, 0x0f, 0x6f, 0x07 }, 4, M64, 0, 4, VL, 0, 16, 16, 0,
	  AT(VMM_RDI) },
	{ "movdqu [rdi],xmm15", { 0xf3, 0x44, 0x0f, 0x7f, 0x3f }, 5, M64, 0, 5, VS, 0, 16, 16,
	  15, AT(VMM_RDI) },
	{ "movups xmm1,[rdi+8]", { 0x0f, 0x10, 0x4f, 0x08 }, 4, M64, 0, 4, VL, 0, 16, 16, 1,
	  AT(VMM_RDI), .disp = 8 },
	{ "movaps [rdi],xmm1", { 0x0f, 0x29, 0x0f }, 3, M64, 0, 3, VS, 0, 16, 16, 1,
	  AT(VMM_RDI) },
	{ "movntdq [rdi],xmm1", { 0x66, 0x0f, 0xe7, 0x0f }, 4, M64, 0, 4, VS, 0, 16, 16, 1,
	  AT(VMM_RDI) },
	{ "movss xmm1,[rdi]", { 0xf3, 0x0f, 0x10, 0x0f }, 4, M64, 0, 4, VL, 0, 4, 4, 1,
	  AT(VMM_RDI) },
	{ "vmovdqu ymm1,[rdi] (c5 fe 6f)", { 0xc5, 0xfe, 0x6f, 0x0f }, 4, M64, 0, 4, VL, 0, 32,
	  32, 1, AT(VMM_RDI) },
	{ "vmovdqu [rdi],xmm1 (c5 fa 7f)", { 0xc5, 0xfa, 0x7f, 0x0f }, 4, M64, 0, 4, VS, 0, 16,
	  16, 1, AT(VMM_RDI) },
	{ "vmovdqu ymm9,[r8] (c4 41 7e 6f)", { 0xc4, 0x41, 0x7e, 0x6f, 0x08 }, 5, M64, 0, 5, VL,
	  0, 32, 32, 9, AT(VMM_R8) },
	{ "vmovdqa ymm0,[rdi]", { 0xc5, 0xfd, 0x6f, 0x07 }, 4, M64, 0, 4, VL, 0, 32, 32, 0,
	  AT(VMM_RDI) },
	{ "vex with vvvv != 1111 is #UD", { 0xc5, 0xf6, 0x6f, 0x0f }, 4, M64, BAD(-EINVAL) },
	{ "66 before vex is #UD", { 0x66, 0xc5, 0xfe, 0x6f, 0x0f }, 5, M64, BAD(-EINVAL) },
	{ "mmx movq is not emulated", { 0x0f, 0x6f, 0x07 }, 3, M64, BAD(-EOPNOTSUPP) },
	{ "lock movdqu is #UD", { 0xf0, 0xf3, 0x0f, 0x6f, 0x07 }, 5, M64, BAD(-EINVAL) },
};

/*
 * MOVDIR64B (SDM vol. 2 MOVDIR64B, "66 0F 38 F8 /r MOVDIR64B r16/r32/r64,
 * m512"): the register is the destination address, of the address size.
 */
#define D64 VMM_INSN_MOVDIR64B
static const struct dcase movdir64b_cases[] = {
	{ "movdir64b rax,[rdi]", { 0x66, 0x0f, 0x38, 0xf8, 0x07 }, 5, M64, 0, 5, D64, 0, 64, 8,
	  VMM_RAX, AT(VMM_RDI), .as = 8 },
	{ "movdir64b eax,[edi] (67)", { 0x67, 0x66, 0x0f, 0x38, 0xf8, 0x07 }, 6, M64, 0, 6, D64,
	  0, 64, 4, VMM_RAX, AT(VMM_RDI), .as = 4 },
	{ "movdir64b r8,[rsp] (REX.R, SIB)", { 0x66, 0x44, 0x0f, 0x38, 0xf8, 0x04, 0x24 }, 7,
	  M64, 0, 7, D64, 0, 64, 8, VMM_R8, AT(VMM_RSP), .as = 8 },
	{ "movdir64b rsi,[rdi+0x40], REX.W ignored", { 0x66, 0x48, 0x0f, 0x38, 0xf8, 0x77, 0x40 },
	  7, M64, 0, 7, D64, 0, 64, 8, VMM_RSI, AT(VMM_RDI), .disp = 0x40, .as = 8 },
	{ "movdir64b edx,[ebx] (32-bit code)", { 0x66, 0x0f, 0x38, 0xf8, 0x13 }, 5, M32, 0, 5,
	  D64, 0, 64, 4, VMM_RDX, AT(VMM_RBX), .as = 4 },
	{ "movdir64b ax,[bx] (16-bit code)", { 0x66, 0x0f, 0x38, 0xf8, 0x07 }, 5, M16, 0, 5, D64,
	  0, 64, 2, VMM_RAX, AT(VMM_RBX), .as = 2 },
	{ "movdir64b with a register source is #UD", { 0x66, 0x0f, 0x38, 0xf8, 0xc7 }, 5, M64,
	  BAD(-EINVAL) },
	{ "lock movdir64b is #UD", { 0xf0, 0x66, 0x0f, 0x38, 0xf8, 0x07 }, 6, M64,
	  BAD(-EINVAL) },
	{ "f3 66 0f 38 f8 is enqcmds", { 0xf3, 0x66, 0x0f, 0x38, 0xf8, 0x07 }, 6, M64,
	  BAD(-EOPNOTSUPP) },
	{ "np 0f 38 f8 is not movdir64b", { 0x0f, 0x38, 0xf8, 0x07 }, 4, M64, BAD(-EOPNOTSUPP) },
	{ "truncated after 0f 38", { 0x66, 0x0f, 0x38 }, 3, M64, BAD(-ENODATA) },
};

/* Refusals: what the CPU rejects, what is cut short, what is not emulated. */
static const struct dcase reject_cases[] = {
	{ "mov eax,eax is not memory", { 0x89, 0xc0 }, 2, M64, BAD(-EOPNOTSUPP) },
	{ "vex", { 0xc5, 0xf8, 0x77 }, 3, M64, BAD(-EOPNOTSUPP) },
	{ "inc eax (32-bit 0x40)", { 0x40 }, 1, M32, BAD(-EOPNOTSUPP) },
	{ "f3 on a mov is not emulated", { 0xf3, 0x89, 0x07 }, 3, M64, BAD(-EOPNOTSUPP) },
	{ "f3 0f b8 is popcnt", { 0xf3, 0x0f, 0xb8, 0x07 }, 4, M64, BAD(-EOPNOTSUPP) },
	{ "truncated disp32", { 0x8b, 0x05, 0x10, 0x00 }, 4, M64, BAD(-ENODATA) },
	{ "truncated moffs64", { 0xa1, 0, 0, 0, 0, 0, 0, 0 }, 8, M64, BAD(-ENODATA) },
	{ "truncated SIB", { 0x8b, 0x04 }, 2, M64, BAD(-ENODATA) },
	{ "nothing", { 0 }, 0, M64, BAD(-ENODATA) },
	{ "c7 /1 is #UD", { 0xc7, 0x0f, 0, 0, 0, 0 }, 6, M64, BAD(-EINVAL) },
	{ "lock mov is #UD", { 0xf0, 0x89, 0x07 }, 3, M64, BAD(-EINVAL) },
	{ "unknown mode", { 0x89, 0x07 }, 2, 7, BAD(-EINVAL) },
	{ "16 bytes of prefixes", { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	  0x66, 0x66, 0x66, 0x66, 0x89, 0x07 }, 16, M64, BAD(-EINVAL) },
	{ "16th byte needed with exactly 15 available", { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	  0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66 }, 15, M64, BAD(-EINVAL) },
	{ "disp32 crossing byte 15 with exactly 15 available", { 0x66, 0x66, 0x66, 0x66, 0x66,
	  0x66, 0x66, 0x66, 0x66, 0x66, 0x8b, 0x05, 0x10, 0x00, 0x00 }, 15, M64, BAD(-EINVAL) },
};

static int check_table(const struct dcase *t, size_t nr, char *msg, size_t len)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		const struct dcase *d = &t[i];
		struct vmm_insn in;
		int ret = vmm_insn_decode(d->bytes, d->n, d->mode, &in);

		if (ret != d->ret)
			return st_fail(msg, len, "%s: returned %d, want %d", d->what, ret, d->ret);
		if (ret)
			continue;
		if (in.len != d->len || in.kind != d->kind || in.alu_op != d->alu_op ||
		    in.size != d->size || in.reg_size != d->reg_size || in.reg != d->reg ||
		    in.reg_high8 != d->high8 || in.sign_extend != d->sext ||
		    in.to_reg != d->to_reg || in.has_imm != d->has_imm || in.imm != d->imm ||
		    in.rip_relative != d->rip || in.base != d->base || in.index != d->index ||
		    in.scale != d->scale || in.disp != d->disp ||
		    (d->as && in.addr_size != d->as) ||
		    in.lock != d->lock || in.moffs != d->moffs || in.port_in != d->port_in ||
		    in.str_op != d->str_op || in.rep != d->rep)
			return st_fail(msg, len,
				       "%s: len %u kind %u op %u size %u/%u reg %d h8 %d imm 0x%llx base %d index %d scale %u disp %lld as %u lock %d str %u rep %u",
				       d->what, in.len, in.kind, in.alu_op, in.size, in.reg_size,
				       in.reg, in.reg_high8, in.imm, in.base, in.index, in.scale,
				       in.disp, in.addr_size, in.lock, in.str_op, in.rep);
	}
	return 0;
}

static int test_mov_forms_decode_exactly(char *msg, size_t len)
{
	return check_table(mov_cases, ARRAY_SIZE(mov_cases), msg, len);
}

static int test_extending_and_nontemporal_moves_decode_exactly(char *msg, size_t len)
{
	return check_table(ext_cases, ARRAY_SIZE(ext_cases), msg, len);
}

static int test_alu_and_test_forms_decode_exactly(char *msg, size_t len)
{
	return check_table(alu_cases, ARRAY_SIZE(alu_cases), msg, len);
}

static int test_xchg_xadd_cmpxchg_decode_exactly(char *msg, size_t len)
{
	return check_table(atomic_cases, ARRAY_SIZE(atomic_cases), msg, len);
}

static int test_bit_test_forms_decode_exactly(char *msg, size_t len)
{
	return check_table(bt_cases, ARRAY_SIZE(bt_cases), msg, len);
}

static int test_string_forms_decode_exactly(char *msg, size_t len)
{
	return check_table(string_cases, ARRAY_SIZE(string_cases), msg, len);
}

static int test_port_forms_decode_exactly(char *msg, size_t len)
{
	return check_table(port_cases, ARRAY_SIZE(port_cases), msg, len);
}

static int test_sse_and_avx_moves_decode_exactly(char *msg, size_t len)
{
	return check_table(vec_cases, ARRAY_SIZE(vec_cases), msg, len);
}

static int test_movdir64b_decodes_exactly(char *msg, size_t len)
{
	return check_table(movdir64b_cases, ARRAY_SIZE(movdir64b_cases), msg, len);
}

static int test_refused_encodings_get_their_error(char *msg, size_t len)
{
	return check_table(reject_cases, ARRAY_SIZE(reject_cases), msg, len);
}

/* A register file and one MMIO register for the emulator. */
struct emu {
	u64 gpr[VMM_NR_GPRS];
	u64 rflags;
	u64 mmio;
	u64 last_gpa;
	unsigned int reads, writes, last_size;
	unsigned int bad_reg;	/* accesses to a register number out of range */
	u8 vec[16][32];		/* YMM0-15 */
};

static u64 e_get(void *ctx, unsigned int r)
{
	struct emu *e = ctx;

	if (r >= VMM_NR_GPRS) {
		e->bad_reg++;
		return 0;
	}
	return e->gpr[r];
}

static void e_set(void *ctx, unsigned int r, u64 v)
{
	struct emu *e = ctx;

	if (r >= VMM_NR_GPRS) {
		e->bad_reg++;
		return;
	}
	e->gpr[r] = v;
}

static u64 e_getf(void *ctx)
{
	return ((struct emu *)ctx)->rflags;
}

static void e_setf(void *ctx, u64 v)
{
	((struct emu *)ctx)->rflags = v;
}

static int e_read(void *ctx, u64 gpa, unsigned int size, u64 *v)
{
	struct emu *e = ctx;

	e->reads++;
	e->last_gpa = gpa;
	e->last_size = size;
	*v = size == 8 ? e->mmio : e->mmio & ((1ULL << (8 * size)) - 1);
	return 0;
}

static int e_write(void *ctx, u64 gpa, unsigned int size, u64 v)
{
	struct emu *e = ctx;

	e->writes++;
	e->last_gpa = gpa;
	e->last_size = size;
	e->mmio = v;
	return 0;
}

static int e_pin(void *ctx, u16 port, unsigned int size, u64 *v)
{
	return e_read(ctx, port, size, v);
}

static int e_pout(void *ctx, u16 port, unsigned int size, u64 v)
{
	return e_write(ctx, port, size, v);
}

static int e_getv(void *ctx, unsigned int r, u8 *buf, unsigned int len)
{
	struct emu *e = ctx;

	if (r >= 16 || len > 32)
		return -EINVAL;
	memcpy(buf, e->vec[r], len);
	return 0;
}

static int e_setv(void *ctx, unsigned int r, const u8 *buf, unsigned int len)
{
	struct emu *e = ctx;

	if (r >= 16 || len > 32)
		return -EINVAL;
	memcpy(e->vec[r], buf, len);
	return 0;
}

static const struct vmm_emul_ops emu_ops = {
	.get_reg = e_get, .set_reg = e_set, .get_rflags = e_getf, .set_rflags = e_setf,
	.mmio_read = e_read, .mmio_write = e_write, .port_in = e_pin, .port_out = e_pout,
	.get_vec = e_getv, .set_vec = e_setv,
};

static int run(const u8 *bytes, size_t n, struct emu *e)
{
	struct vmm_insn in;
	int ret = vmm_insn_decode(bytes, n, VMM_MODE_64, &in);

	return ret ? ret : vmm_insn_emulate(&in, 0xfed00040, &emu_ops, e);
}

static int test_loads_extend_and_merge_like_the_cpu(char *msg, size_t len)
{
	static const u8 movl[] = { 0x8b, 0x07 }, movsxb[] = { 0x48, 0x0f, 0xbe, 0x07 };
	static const u8 movw[] = { 0x66, 0x8b, 0x07 }, movah[] = { 0x8a, 0x27 };
	struct emu e = { .mmio = 0x80 };

	e.gpr[VMM_RAX] = 0xffffffffffffffffULL;
	if (run(movl, sizeof(movl), &e) || e.gpr[VMM_RAX] != 0x80 || e.last_size != 4 ||
	    e.last_gpa != 0xfed00040)
		return st_fail(msg, len, "32-bit load gave 0x%llx", e.gpr[VMM_RAX]);
	if (run(movsxb, sizeof(movsxb), &e) || e.gpr[VMM_RAX] != 0xffffffffffffff80ULL)
		return st_fail(msg, len, "movsx gave 0x%llx", e.gpr[VMM_RAX]);
	e.gpr[VMM_RAX] = 0x1111111111111111ULL;
	e.mmio = 0xabcd;
	if (run(movw, sizeof(movw), &e) || e.gpr[VMM_RAX] != 0x111111111111abcdULL)
		return st_fail(msg, len, "16-bit load gave 0x%llx", e.gpr[VMM_RAX]);
	if (run(movah, sizeof(movah), &e) || e.gpr[VMM_RAX] != 0x111111111111cdcdULL)
		return st_fail(msg, len, "load into AH gave 0x%llx", e.gpr[VMM_RAX]);
	return 0;
}

static int test_stores_write_the_operand_width(char *msg, size_t len)
{
	static const u8 movb_ah[] = { 0x88, 0x27 };
	static const u8 movq_imm[] = { 0x48, 0xc7, 0x07, 0x80, 0, 0, 0 };
	struct emu e = { 0 };

	e.gpr[VMM_RAX] = 0x1234;
	if (run(movb_ah, sizeof(movb_ah), &e) || e.mmio != 0x12 || e.last_size != 1)
		return st_fail(msg, len, "store of AH wrote 0x%llx size %u", e.mmio, e.last_size);
	if (run(movq_imm, sizeof(movq_imm), &e) || e.mmio != 0x80 || e.last_size != 8)
		return st_fail(msg, len, "store of imm32 wrote 0x%llx", e.mmio);
	return 0;
}

static int test_alu_results_and_flags(char *msg, size_t len)
{
	static const u8 sub5[] = { 0x83, 0x2f, 0x05 }, add_ovf[] = { 0x80, 0x07, 0x01 };
	static const u8 cmp[] = { 0x3b, 0x07 }, bt[] = { 0x0f, 0xba, 0x27, 0x02 };
	static const u8 or_[] = { 0x09, 0x07 };
	struct emu e = { .mmio = 3, .rflags = 0x2 };

	/* 3 - 5 = -2: CF SF AF set, result written back. */
	if (run(sub5, sizeof(sub5), &e) || e.mmio != 0xfffffffe ||
	    (e.rflags & 0x8d5) != (0x1 | 0x80 | 0x10))
		return st_fail(msg, len, "sub: mmio 0x%llx rflags 0x%llx", e.mmio, e.rflags);
	/* 0x7f + 1 in a byte: OF SF AF, no CF. */
	e.mmio = 0x7f;
	if (run(add_ovf, sizeof(add_ovf), &e) || e.mmio != 0x80 ||
	    (e.rflags & 0x8d5) != (0x800 | 0x80 | 0x10))
		return st_fail(msg, len, "add: mmio 0x%llx rflags 0x%llx", e.mmio, e.rflags);
	/* CMP eax,[mem] with equal values: ZF PF, nothing written. */
	e.mmio = 7;
	e.gpr[VMM_RAX] = 7;
	e.writes = 0;
	if (run(cmp, sizeof(cmp), &e) || e.writes || (e.rflags & 0x8d5) != (0x40 | 0x4))
		return st_fail(msg, len, "cmp: writes %u rflags 0x%llx", e.writes, e.rflags);
	/* BT bit 2 of 0b100: CF. */
	e.mmio = 4;
	if (run(bt, sizeof(bt), &e) || !(e.rflags & 1) || e.writes)
		return st_fail(msg, len, "bt: rflags 0x%llx", e.rflags);
	/* OR clears CF and OF. */
	e.mmio = 0xf0;
	e.gpr[VMM_RAX] = 0x0f;
	if (run(or_, sizeof(or_), &e) || e.mmio != 0xff || (e.rflags & 0x801))
		return st_fail(msg, len, "or: mmio 0x%llx rflags 0x%llx", e.mmio, e.rflags);
	return 0;
}

static int test_xchg_swaps_register_and_mmio(char *msg, size_t len)
{
	static const u8 xchg[] = { 0x87, 0x07 };
	struct emu e = { .mmio = 0xaaaa };

	e.gpr[VMM_RAX] = 0xffffffff5555ULL;
	if (run(xchg, sizeof(xchg), &e) || e.mmio != 0xffff5555ULL ||
	    e.gpr[VMM_RAX] != 0xaaaa)
		return st_fail(msg, len, "xchg: mmio 0x%llx rax 0x%llx", e.mmio, e.gpr[VMM_RAX]);
	return 0;
}

static int fail_read(void *ctx, u64 gpa, unsigned int size, u64 *v)
{
	(void)ctx;
	(void)gpa;
	(void)size;
	*v = 0;
	return -EIO;
}

static int test_callback_error_stops_emulation(char *msg, size_t len)
{
	static const u8 movl[] = { 0x8b, 0x07 };
	struct vmm_emul_ops ops = emu_ops;
	struct emu e = { 0 };
	struct vmm_insn in;

	e.gpr[VMM_RAX] = 0x42;
	ops.mmio_read = fail_read;
	if (vmm_insn_decode(movl, sizeof(movl), VMM_MODE_64, &in) ||
	    vmm_insn_emulate(&in, 0, &ops, &e) != -EIO || e.gpr[VMM_RAX] != 0x42)
		return st_fail(msg, len, "a failed read changed RAX to 0x%llx", e.gpr[VMM_RAX]);
	return 0;
}

/*
 * vmm_insn_emulate() takes a struct from its caller: one not produced by
 * vmm_insn_decode() must be refused before any callback sees a register
 * number or a size outside the architecture.
 */
static int test_emulate_refuses_a_hand_built_insn(char *msg, size_t len)
{
	static const u8 movl[] = { 0x89, 0x07 };
	struct vmm_insn good, bad;
	unsigned int i;
	int ret;

	if (vmm_insn_decode(movl, sizeof(movl), VMM_MODE_64, &good))
		return st_fail(msg, len, "mov [rdi],eax did not decode");
	for (i = 0; i < 12; i++) {
		struct emu e = { .mmio = 0x55 };

		bad = good;
		switch (i) {
		case 0:
			bad.reg = -1;
			break;
		case 1:
			bad.reg = VMM_NR_GPRS;
			break;
		case 2:
			bad.reg = 127;
			break;
		case 3:
			bad.kind = VMM_INSN_LOAD;
			bad.reg = -1;
			break;
		case 4:
			bad.kind = VMM_INSN_XCHG;
			bad.reg = -1;
			break;
		case 5:
			bad.kind = VMM_INSN_ALU;
			bad.alu_op = VMM_ALU_ADD;
			bad.reg = -1;
			break;
		case 6:
			bad.kind = VMM_INSN_ALU;
			bad.alu_op = 200;
			break;
		case 7:
			bad.reg_high8 = true;
			bad.size = 1;
			bad.reg_size = 1;
			bad.reg = 9;
			break;
		case 8:
			bad.kind = VMM_INSN_LOAD;
			bad.reg_size = 3;
			break;
		case 9:
			bad.kind = VMM_INSN_LOAD;
			bad.reg_size = 1;
			bad.size = 4;
			break;
		case 10:
			bad.kind = 77;
			break;
		default:
			bad.size = 16;
			break;
		}
		ret = vmm_insn_emulate(&bad, 0x1000, &emu_ops, &e);
		if (ret != -EINVAL || e.bad_reg || e.reads || e.writes || e.mmio != 0x55)
			return st_fail(msg, len,
				       "hand-built case %u: returned %d, %u bad register accesses, %u reads, %u writes",
				       i, ret, e.bad_reg, e.reads, e.writes);
	}
	return 0;
}

/*
 * A guest for the string instructions: 8 KiB of RAM at GPA 0x10000, a
 * FIFO device at 0xfed00000 (reads give 0x10, 0x11, ...; writes are
 * logged) over 4 KiB, I/O port 0x3f8 that behaves the same, segment bases
 * DS 0x1000, ES 0x10000 and SS 0x11000 (others 0), and page tables that map linear =
 * physical except the page right after RAM, which is not present.
 */
#define S_RAM		0x10000ULL
#define S_RAM_SIZE	0x2000
#define S_FIFO		0xfed00000ULL
#define S_HOLE		0x12000ULL	/* the page after RAM */

struct sguest {
	struct emu r;
	u8 ram[S_RAM_SIZE];
	u64 log[32];
	unsigned int nlog, next_read, log_sizes;
};

static int s_read(void *ctx, u64 gpa, unsigned int size, u64 *v)
{
	struct sguest *g = ctx;
	unsigned int i;

	*v = 0;
	if (gpa >= S_RAM && gpa + size <= S_RAM + S_RAM_SIZE) {
		for (i = 0; i < size; i++)
			*v |= (u64)g->ram[gpa - S_RAM + i] << (8 * i);
		return 0;
	}
	if (gpa >= S_FIFO && gpa < S_FIFO + 0x1000) {
		*v = 0x10 + g->next_read++;
		return 0;
	}
	return -EFAULT;
}

static int s_write(void *ctx, u64 gpa, unsigned int size, u64 v)
{
	struct sguest *g = ctx;
	unsigned int i;

	if (gpa >= S_RAM && gpa + size <= S_RAM + S_RAM_SIZE) {
		for (i = 0; i < size; i++)
			g->ram[gpa - S_RAM + i] = (u8)(v >> (8 * i));
		return 0;
	}
	if (gpa >= S_FIFO && gpa < S_FIFO + 0x1000 && g->nlog < ARRAY_SIZE(g->log)) {
		g->log[g->nlog++] = v;
		g->log_sizes |= size;
		return 0;
	}
	return -EFAULT;
}

static int s_translate(void *ctx, u64 gva, unsigned int access, u64 *gpa, struct vmm_fault *f)
{
	(void)ctx;
	if ((gva & ~0xfffULL) == S_HOLE) {
		f->vector = 14;
		f->error_code = (access & VMM_ACC_WRITE) ? 2 : 0;	/* not present, W/R */
		f->cr2 = gva;
		return VMM_EMUL_FAULT;
	}
	*gpa = gva;
	return 0;
}

static int s_pin(void *ctx, u16 port, unsigned int size, u64 *v)
{
	return port == 0x3f8 ? s_read(ctx, S_FIFO, size, v) : -EIO;
}

static int s_pout(void *ctx, u16 port, unsigned int size, u64 v)
{
	return port == 0x3f8 ? s_write(ctx, S_FIFO, size, v) : -EIO;
}

static u64 s_seg_base(void *ctx, unsigned int seg)
{
	(void)ctx;
	return seg == VMM_SEG_DS ? 0x1000 : seg == VMM_SEG_ES ? S_RAM :
	       seg == VMM_SEG_SS ? S_RAM + 0x1000 : 0;
}

static const struct vmm_emul_ops s_ops = {
	.get_reg = e_get, .set_reg = e_set, .get_rflags = e_getf, .set_rflags = e_setf,
	.mmio_read = s_read, .mmio_write = s_write, .translate = s_translate,
	.port_in = s_pin, .port_out = s_pout,
};

/* The same guest with its segment bases (16-bit code). */
static const struct vmm_emul_ops s_ops_seg = {
	.get_reg = e_get, .set_reg = e_set, .get_rflags = e_getf, .set_rflags = e_setf,
	.mmio_read = s_read, .mmio_write = s_write, .translate = s_translate,
	.seg_base = s_seg_base, .port_in = s_pin, .port_out = s_pout,
};

static int srun(struct sguest *g, const u8 *bytes, size_t n, enum vmm_cpu_mode mode,
		unsigned int budget, struct vmm_fault *f)
{
	struct vmm_insn in;
	int ret = vmm_insn_decode(bytes, n, mode, &in);

	return ret ? ret : vmm_insn_emulate_string(&in, mode == VMM_MODE_16 ? &s_ops_seg : &s_ops,
						   g, budget, f);
}

#define DF 0x400ULL

static int test_rep_movs_copies_ram_to_mmio_and_back_both_directions(char *msg, size_t len)
{
	static const u8 rep_movsb[] = { 0xf3, 0xa4 }, rep_movsd[] = { 0xf3, 0xa5 };
	static struct sguest g;
	struct vmm_fault f;
	unsigned int i;
	int ret;

	memset(&g, 0, sizeof(g));
	for (i = 0; i < 5; i++)
		g.ram[i] = (u8)(0xa0 + i);
	/* RAM -> MMIO, DF = 0: five byte writes in order. */
	g.r.gpr[VMM_RSI] = S_RAM;
	g.r.gpr[VMM_RDI] = S_FIFO;
	g.r.gpr[VMM_RCX] = 5;
	g.r.rflags = 2;
	ret = srun(&g, rep_movsb, 2, VMM_MODE_64, 100, &f);
	if (ret || g.nlog != 5 || g.log[0] != 0xa0 || g.log[4] != 0xa4 || g.log_sizes != 1 ||
	    g.r.gpr[VMM_RSI] != S_RAM + 5 || g.r.gpr[VMM_RCX] != 0)
		return st_fail(msg, len, "RAM->MMIO: ret %d, %u writes, rsi 0x%llx rcx %llu", ret,
			       g.nlog, g.r.gpr[VMM_RSI], g.r.gpr[VMM_RCX]);
	/* The destination register is MMIO-to-MMIO here: RDI moved on past it. */
	if (g.r.gpr[VMM_RDI] != S_FIFO + 5)
		return st_fail(msg, len, "rdi 0x%llx", g.r.gpr[VMM_RDI]);
	/* MMIO -> RAM, DF = 1: three dwords stored downwards from 0x10108. */
	g.r.gpr[VMM_RSI] = S_FIFO + 0x100;
	g.r.gpr[VMM_RDI] = S_RAM + 0x108;
	g.r.gpr[VMM_RCX] = 3;
	g.r.rflags = 2 | DF;
	g.next_read = 0;
	ret = srun(&g, rep_movsd, 2, VMM_MODE_64, 100, &f);
	if (ret || g.ram[0x108] != 0x10 || g.ram[0x104] != 0x11 || g.ram[0x100] != 0x12 ||
	    g.r.gpr[VMM_RDI] != S_RAM + 0xfc || g.r.gpr[VMM_RSI] != S_FIFO + 0x100 - 12 ||
	    g.r.gpr[VMM_RCX])
		return st_fail(msg, len, "MMIO->RAM DF=1: ret %d rdi 0x%llx rsi 0x%llx", ret,
			       g.r.gpr[VMM_RDI], g.r.gpr[VMM_RSI]);
	return 0;
}

/*
 * With 32-bit addresses and ECX 0, an AMD CPU writes nothing; an Intel CPU
 * writes ECX and, for STOS, EDI, clearing their bits 63:32 (measured on
 * both, docs/vmm-core.md; the emulator follows the host's vendor).
 */
static int test_rep_with_zero_count_does_nothing(char *msg, size_t len)
{
	static const u8 rep_stosq[] = { 0xf3, 0x48, 0xab };
	static const u8 rep_stosq67[] = { 0x67, 0xf3, 0x48, 0xab };
	static struct sguest g;
	struct vmm_fault f;
	int ret;

	memset(&g, 0, sizeof(g));
	g.r.gpr[VMM_RAX] = 0x1234;
	/* 32-bit addresses: the count is ECX, 0 here although RCX is not. */
	g.r.gpr[VMM_RDI] = 0xabcd000000000000ULL | S_FIFO;
	g.r.gpr[VMM_RCX] = 0xffffffff00000000ULL;
	ret = srun(&g, rep_stosq67, 4, VMM_MODE_64, 100, &f);
	if (ret || g.nlog ||
	    g.r.gpr[VMM_RDI] != (st_cpu_is_amd() ? 0xabcd000000000000ULL | S_FIFO : S_FIFO) ||
	    g.r.gpr[VMM_RCX] != (st_cpu_is_amd() ? 0xffffffff00000000ULL : 0))
		return st_fail(msg, len, "ECX 0: ret %d %u writes rcx 0x%llx rdi 0x%llx", ret,
			       g.nlog, g.r.gpr[VMM_RCX], g.r.gpr[VMM_RDI]);
	g.r.gpr[VMM_RDI] = S_FIFO;
	g.r.gpr[VMM_RCX] = 0;
	ret = srun(&g, rep_stosq, 3, VMM_MODE_64, 100, &f);
	if (ret || g.nlog || g.r.gpr[VMM_RDI] != S_FIFO || g.r.gpr[VMM_RCX])
		return st_fail(msg, len, "RCX 0: ret %d %u writes", ret, g.nlog);
	g.r.gpr[VMM_RCX] = 1;
	ret = srun(&g, rep_stosq, 3, VMM_MODE_64, 100, &f);
	if (ret || g.nlog != 1 || g.log[0] != 0x1234 || g.log_sizes != 8 ||
	    g.r.gpr[VMM_RDI] != S_FIFO + 8 || g.r.gpr[VMM_RCX])
		return st_fail(msg, len, "RCX 1: ret %d %u writes", ret, g.nlog);
	return 0;
}

static int test_rep_stops_between_iterations_with_exact_registers(char *msg, size_t len)
{
	static const u8 rep_outsw[] = { 0xf3, 0x66, 0x6f }, rep_insb[] = { 0xf3, 0x6c };
	static struct sguest g;
	struct vmm_fault f = { 0 };
	int ret;

	memset(&g, 0, sizeof(g));
	g.r.gpr[VMM_RSI] = S_RAM;
	g.r.gpr[VMM_RDX] = 0x3f8;
	g.r.gpr[VMM_RCX] = 5;
	g.ram[0] = 1;
	g.ram[2] = 2;
	g.ram[4] = 3;
	/* Budget 2: two words out, then the vCPU goes back with RCX 3. */
	ret = srun(&g, rep_outsw, 3, VMM_MODE_64, 2, &f);
	if (ret != VMM_EMUL_AGAIN || g.nlog != 2 || g.log[1] != 2 || g.log_sizes != 2 ||
	    g.r.gpr[VMM_RCX] != 3 || g.r.gpr[VMM_RSI] != S_RAM + 4)
		return st_fail(msg, len, "budget: ret %d rcx %llu rsi 0x%llx", ret,
			       g.r.gpr[VMM_RCX], g.r.gpr[VMM_RSI]);
	ret = srun(&g, rep_outsw, 3, VMM_MODE_64, 100, &f);
	if (ret || g.nlog != 5 || g.log[2] != 3 || g.r.gpr[VMM_RCX])
		return st_fail(msg, len, "resume: ret %d, %u writes", ret, g.nlog);
	/* INSB into RAM that runs into a not-present page: #PF, RCX/RDI exact. */
	g.r.gpr[VMM_RDI] = S_HOLE - 2;
	g.r.gpr[VMM_RCX] = 4;
	g.next_read = 0;
	ret = srun(&g, rep_insb, 2, VMM_MODE_64, 100, &f);
	if (ret != VMM_EMUL_FAULT || f.vector != 14 || f.cr2 != S_HOLE || f.error_code != 2 ||
	    g.r.gpr[VMM_RCX] != 2 || g.r.gpr[VMM_RDI] != S_HOLE || g.next_read != 2)
		return st_fail(msg, len,
			       "#PF: ret %d vector %u cr2 0x%llx rcx %llu rdi 0x%llx, %u port reads",
			       ret, f.vector, f.cr2, g.r.gpr[VMM_RCX], g.r.gpr[VMM_RDI],
			       g.next_read);
	return 0;
}

static int test_repe_cmps_and_repne_scas_stop_on_zf(char *msg, size_t len)
{
	static const u8 repe_cmpsb[] = { 0xf3, 0xa6 }, repne_scasb[] = { 0xf2, 0xae };
	static struct sguest g;
	struct vmm_fault f;
	int ret;

	memset(&g, 0, sizeof(g));
	memcpy(g.ram, "abcdef", 6);
	memcpy(g.ram + 0x100, "abcXef", 6);
	g.r.gpr[VMM_RSI] = S_RAM;
	g.r.gpr[VMM_RDI] = S_RAM + 0x100;
	g.r.gpr[VMM_RCX] = 6;
	g.r.rflags = 2;
	/* Stops after comparing 'd' with 'X': 4 iterations, ZF clear, CF clear. */
	ret = srun(&g, repe_cmpsb, 2, VMM_MODE_64, 100, &f);
	if (ret || g.r.gpr[VMM_RCX] != 2 || g.r.gpr[VMM_RSI] != S_RAM + 4 ||
	    (g.r.rflags & 0x41) != 0)
		return st_fail(msg, len, "repe cmpsb: rcx %llu rsi 0x%llx rflags 0x%llx",
			       g.r.gpr[VMM_RCX], g.r.gpr[VMM_RSI], g.r.rflags);
	/* Find 'e' (0x65): found at the 5th byte, ZF set, RDI one past it. */
	g.r.gpr[VMM_RAX] = 0x65;
	g.r.gpr[VMM_RDI] = S_RAM;
	g.r.gpr[VMM_RCX] = 100;
	ret = srun(&g, repne_scasb, 2, VMM_MODE_64, 1000, &f);
	if (ret || g.r.gpr[VMM_RCX] != 95 || g.r.gpr[VMM_RDI] != S_RAM + 5 ||
	    !(g.r.rflags & 0x40))
		return st_fail(msg, len, "repne scasb: rcx %llu rdi 0x%llx", g.r.gpr[VMM_RCX],
			       g.r.gpr[VMM_RDI]);
	return 0;
}

static int test_string_address_size_wraps_and_extends_like_the_cpu(char *msg, size_t len)
{
	static const u8 movsb16[] = { 0xa4 }, lodsd67[] = { 0x67, 0xad };
	static const u8 in_imm[] = { 0xe4, 0x60 };
	static struct sguest g;
	struct vmm_fault f;
	int ret;

	memset(&g, 0, sizeof(g));
	/*
	 * 16-bit code: DS:SI = 0x1000 + 0xffff, ES:DI = 0x10000 + 0x10; SI
	 * wraps to 0 and bits 63:16 of RSI stay.
	 */
	g.r.gpr[VMM_RSI] = 0xabcd0000ffffULL;
	g.r.gpr[VMM_RDI] = 0x10;
	g.ram[0xfff] = 0x5a;
	ret = srun(&g, movsb16, 1, VMM_MODE_16, 1, &f);
	if (ret || g.r.gpr[VMM_RSI] != 0xabcd00000000ULL || g.r.gpr[VMM_RDI] != 0x11 ||
	    g.ram[0x10] != 0x5a)
		return st_fail(msg, len, "16-bit wrap: ret %d rsi 0x%llx rdi 0x%llx", ret,
			       g.r.gpr[VMM_RSI], g.r.gpr[VMM_RDI]);
	/* 67 in 64-bit mode: ESI, and writing it zero-extends; EAX zero-extends. */
	g.r.gpr[VMM_RSI] = 0xffffffff00000000ULL | S_RAM;
	g.r.gpr[VMM_RAX] = ~0ULL;
	g.ram[0] = 0x78;
	g.ram[3] = 0x12;
	ret = srun(&g, lodsd67, 2, VMM_MODE_64, 1, &f);
	if (ret || g.r.gpr[VMM_RSI] != S_RAM + 4 || g.r.gpr[VMM_RAX] != 0x12000078)
		return st_fail(msg, len, "67 lodsd: ret %d rsi 0x%llx rax 0x%llx", ret,
			       g.r.gpr[VMM_RSI], g.r.gpr[VMM_RAX]);
	/* IN al,0x60 goes to port 0x60, which this guest refuses: the error comes back. */
	if (srun(&g, in_imm, 2, VMM_MODE_64, 1, &f) != -EIO)
		return st_fail(msg, len, "in al,0x60 did not reach port 0x60");
	return 0;
}

/* A device that logs each access of a vector move. */
struct vlog {
	struct emu r;
	u64 gpa[8], val[8];
	unsigned int size[8], n;
};

static int v_read(void *ctx, u64 gpa, unsigned int size, u64 *v)
{
	struct vlog *l = ctx;

	if (l->n >= 8)
		return -EIO;
	l->gpa[l->n] = gpa;
	l->size[l->n] = size;
	*v = 0x0706050403020100ULL + 0x0808080808080808ULL * l->n;
	l->val[l->n++] = *v;
	return 0;
}

static int v_write(void *ctx, u64 gpa, unsigned int size, u64 v)
{
	struct vlog *l = ctx;

	if (l->n >= 8)
		return -EIO;
	l->gpa[l->n] = gpa;
	l->size[l->n] = size;
	l->val[l->n++] = v;
	return 0;
}

static const struct vmm_emul_ops v_ops = {
	.get_reg = e_get, .set_reg = e_set, .get_rflags = e_getf, .set_rflags = e_setf,
	.mmio_read = v_read, .mmio_write = v_write, .get_vec = e_getv, .set_vec = e_setv,
};

static int test_vector_moves_split_into_8_byte_accesses_and_check_alignment(char *msg, size_t len)
{
	static const u8 movdqu_st[] = { 0xf3, 0x0f, 0x7f, 0x0f };	/* movdqu [rdi],xmm1 */
	static const u8 vmovdqu_ld[] = { 0xc5, 0xfa, 0x6f, 0x0f };	/* vmovdqu xmm1,[rdi] */
	static const u8 movd_ld[] = { 0x66, 0x0f, 0x6e, 0x0f };	/* movd xmm1,[rdi] */
	static const u8 movdqa_st[] = { 0x66, 0x0f, 0x7f, 0x0f };	/* movdqa [rdi],xmm1 */
	static struct vlog l;
	struct vmm_insn in;
	unsigned int i;
	int ret;

	memset(&l, 0, sizeof(l));
	for (i = 0; i < 32; i++)
		l.r.vec[1][i] = (u8)(0xa0 + i);
	/* Store of 16 bytes: two 8-byte writes, ascending, little-endian. */
	if (vmm_insn_decode(movdqu_st, 4, VMM_MODE_64, &in) ||
	    vmm_insn_emulate(&in, 0xfed00008, &v_ops, &l) || l.n != 2 ||
	    l.gpa[0] != 0xfed00008 || l.gpa[1] != 0xfed00010 || l.size[0] != 8 ||
	    l.val[0] != 0xa7a6a5a4a3a2a1a0ULL || l.val[1] != 0xafaeadacabaaa9a8ULL)
		return st_fail(msg, len, "movdqu store: %u accesses", l.n);
	/* VEX.128 load: 16 bytes read, bytes 16-31 of YMM1 zeroed. */
	l.n = 0;
	if (vmm_insn_decode(vmovdqu_ld, 4, VMM_MODE_64, &in) ||
	    vmm_insn_emulate(&in, 0xfed00000, &v_ops, &l) || l.n != 2 ||
	    l.r.vec[1][0] != 0 || l.r.vec[1][8] != 8 || l.r.vec[1][15] != 15 ||
	    l.r.vec[1][16] != 0 || l.r.vec[1][31] != 0)
		return st_fail(msg, len, "vmovdqu load: %u accesses", l.n);
	/* Legacy SSE MOVD: one 4-byte read, bytes 4-15 zeroed, 16-31 kept. */
	memset(l.r.vec[1], 0xee, 32);
	l.n = 0;
	if (vmm_insn_decode(movd_ld, 4, VMM_MODE_64, &in) ||
	    vmm_insn_emulate(&in, 0xfed00000, &v_ops, &l) || l.n != 1 || l.size[0] != 4 ||
	    l.r.vec[1][3] != 3 || l.r.vec[1][4] != 0 || l.r.vec[1][15] != 0 ||
	    l.r.vec[1][16] != 0xee)
		return st_fail(msg, len, "movd load: %u accesses", l.n);
	/* MOVDQA at an address not 16-aligned: #GP, no access. */
	l.n = 0;
	ret = vmm_insn_decode(movdqa_st, 4, VMM_MODE_64, &in);
	if (!ret)
		ret = vmm_insn_emulate(&in, 0xfed00008, &v_ops, &l);
	if (ret != VMM_EMUL_FAULT || l.n)
		return st_fail(msg, len, "misaligned movdqa: returned %d, %u accesses", ret, l.n);
	return 0;
}

static bool same(const struct vmm_insn *a, const struct vmm_insn *b)
{
	return a->len == b->len && a->kind == b->kind && a->alu_op == b->alu_op &&
	       a->size == b->size && a->reg_size == b->reg_size &&
	       a->sign_extend == b->sign_extend && a->reg == b->reg &&
	       a->reg_high8 == b->reg_high8 && a->to_reg == b->to_reg &&
	       a->has_imm == b->has_imm && a->imm == b->imm && a->lock == b->lock &&
	       a->seg == b->seg && a->addr_size == b->addr_size &&
	       a->modrm_mod == b->modrm_mod && a->base == b->base && a->index == b->index &&
	       a->scale == b->scale && a->rip_relative == b->rip_relative &&
	       a->moffs == b->moffs && a->disp == b->disp;
}

static bool same_all(const struct vmm_insn *a, const struct vmm_insn *b)
{
	return same(a, b) && a->str_op == b->str_op && a->rep == b->rep &&
	       a->port_in == b->port_in && a->vec_len == b->vec_len && a->align == b->align &&
	       a->mode == b->mode;
}

/*
 * One encoding @b (a whole VMM_INSN_MAX_LEN buffer) as is and behind a DS
 * prefix, which only vmm_insn_decode()'s phases take: the same result,
 * every field equal but the length (one more) and the segment; with
 * exactly its length available the same fields, with one byte less
 * -ENODATA.  Returns 1 when checked, 0 when both refused it, or a failure.
 */
static int fast_form_like_the_phases(const u8 *b, unsigned int mode, char *msg, size_t len)
{
	struct vmm_insn a, c, x;
	u8 ds[VMM_INSN_MAX_LEN];
	int ret, ret2;

	ds[0] = 0x3e;
	memcpy(ds + 1, b, sizeof(ds) - 1);
	ret = vmm_insn_decode(b, VMM_INSN_MAX_LEN, mode, &a);
	ret2 = vmm_insn_decode(ds, sizeof(ds), mode, &c);
	if (ret != ret2)
		return st_fail(msg, len, "%02x %02x %02x %02x %02x mode %u: %d, behind DS %d",
			       b[0], b[1], b[2], b[3], b[4], mode, ret, ret2);
	if (ret)
		return 0;
	c.len--;
	c.seg = 0;
	if (!same_all(&a, &c) || a.seg)
		return st_fail(msg, len, "%02x %02x %02x %02x %02x mode %u: not the phases' fields",
			       b[0], b[1], b[2], b[3], b[4], mode);
	if (vmm_insn_decode(b, a.len, mode, &x) || !same_all(&a, &x) ||
	    vmm_insn_decode(b, a.len - 1U, mode, &x) != -ENODATA)
		return st_fail(msg, len, "%02x %02x %02x %02x %02x mode %u: length %u not exact",
			       b[0], b[1], b[2], b[3], b[4], mode, a.len);
	return 1;
}

/*
 * The fast paths of vmm_insn_decode() (fast_plain() and fast_rex() in
 * vmm-core/decode.c) against its phases, which share no code with them:
 * every ModRM byte of MOV 88, 89, 8A, 8B, C6 and C7 with no prefix, 66,
 * each REX and 66 + REX, in 64-bit and 32-bit code, with every SIB byte
 * behind no prefix, REX.W and REX.WRXB and a sample of SIB bytes behind
 * the rest, through fast_form_like_the_phases().
 */
static int test_fast_path_decodes_like_the_phases(char *msg, size_t len)
{
	static const u8 ops[] = { 0x88, 0x89, 0x8a, 0x8b, 0xc6, 0xc7 };
	/* SIB: [rsp], no base + disp32, [rbp + r12*2] with REX.X, [rbp*8 + disp32], ... */
	static const u8 sibs[] = { 0x24, 0x25, 0x65, 0xe5, 0x9c, 0x00, 0xa3 };
	/* Displacement and immediate bytes, negative as disp8 and as imm8/16/32. */
	static const u8 tail[] = { 0x85, 0x34, 0x12, 0xf6, 0x9a, 0x78, 0x56, 0x84,
				   0x01, 0x02, 0x03, 0x04, 0x05 };
	unsigned int mode, pfx, i, checked = 0;
	int ret;

	/* pfx 0: none, 1: 66, 2-17: REX 40-4F, 18-33: 66 and REX 40-4F */
	for (mode = VMM_MODE_64; mode <= VMM_MODE_32; mode++) {
		for (pfx = 0; pfx < (mode == VMM_MODE_64 ? 34U : 2U); pfx++) {
			u8 rex = (u8)(0x40 + (pfx - 2) % 16);
			bool all_sib = pfx == 0 || rex == 0x48 || rex == 0x4f;
			unsigned int np = 0, nsib;

			/* i: opcode (6) x ModRM (256) x SIB (256) */
			for (i = 0; i < ARRAY_SIZE(ops) * 256 * 256; i++) {
				unsigned int m = (i >> 8) & 0xff, si = i & 0xff;
				u8 b[VMM_INSN_MAX_LEN];

				nsib = (m & 7) != 4 || m >= 0xc0 ? 1 :
				       all_sib ? 256 : ARRAY_SIZE(sibs);
				if (si >= nsib)
					continue;
				np = 0;
				if (pfx == 1 || pfx >= 18)
					b[np++] = 0x66;
				if (pfx >= 2)
					b[np++] = rex;
				b[np++] = ops[i >> 16];
				b[np++] = (u8)m;
				if (nsib > 1)
					b[np++] = all_sib ? (u8)si : sibs[si];
				memcpy(b + np, tail, sizeof(b) - np);
				ret = fast_form_like_the_phases(b, mode, msg, len);
				if (ret < 0)
					return ret;
				checked += (unsigned int)ret;
			}
		}
	}
	/* 254592 in all: a shortfall means the loops above lost forms */
	if (checked < 250000)
		return st_fail(msg, len, "only %u encodings checked", checked);
	return 0;
}

#define FUZZ_ROUNDS 40000

static int test_fuzz_decoder_keeps_its_invariants(char *msg, size_t len)
{
	static const u8 common[] = { 0x66, 0x67, 0xf0, 0x48, 0x41, 0x0f, 0x89, 0x8b, 0x83, 0xc7 };
	u64 seed = 0x2545f4914f6cdd1dULL;
	unsigned int round, i, ok = 0;

	for (round = 0; round < FUZZ_ROUNDS; round++) {
		struct vmm_insn in, again;
		struct emu e = { 0 };
		u8 buf[16];
		size_t n = 1 + st_rnd(&seed) % 16;
		int ret;

		for (i = 0; i < sizeof(buf); i++) {
			u64 r = st_rnd(&seed);

			/* Bias towards prefixes and opcodes that decode. */
			buf[i] = (r & 3) ? (u8)(r >> 8) : common[(r >> 8) % sizeof(common)];
		}
		ret = vmm_insn_decode(buf, n, (round & 1) ? VMM_MODE_32 : VMM_MODE_64, &in);
		if (ret != 0 && ret != -ENODATA && ret != -EINVAL && ret != -EOPNOTSUPP)
			return st_fail(msg, len, "round %u: returned %d", round, ret);
		if (ret)
			continue;
		ok++;
		if (!in.len || in.len > VMM_INSN_MAX_LEN || in.len > n ||
		    (in.size != 1 && in.size != 2 && in.size != 4 && in.size != 8 &&
		     !((in.kind == VMM_INSN_VEC_LOAD || in.kind == VMM_INSN_VEC_STORE) &&
		       (in.size == 16 || in.size == 32))) ||
		    in.reg < -1 || in.reg >= VMM_NR_GPRS || in.base < -1 ||
		    in.base >= VMM_NR_GPRS || in.index < -1 || in.index >= VMM_NR_GPRS ||
		    (in.scale != 1 && in.scale != 2 && in.scale != 4 && in.scale != 8))
			return st_fail(msg, len, "round %u: broken fields", round);
		/* The instruction alone decodes the same; any shorter prefix is short. */
		if (vmm_insn_decode(buf, in.len, (round & 1) ? VMM_MODE_32 : VMM_MODE_64,
				    &again) || !same(&in, &again))
			return st_fail(msg, len, "round %u: not self-delimiting", round);
		for (i = 1; i < in.len; i++)
			if (vmm_insn_decode(buf, i, (round & 1) ? VMM_MODE_32 : VMM_MODE_64,
					    &again) != -ENODATA)
				return st_fail(msg, len, "round %u: prefix %u not -ENODATA",
					       round, i);
		if (in.kind == VMM_INSN_STRING || in.kind == VMM_INSN_PORT) {
			struct vmm_fault f;

			if (vmm_insn_emulate(&in, 0x1000, &emu_ops, &e) != -EOPNOTSUPP)
				return st_fail(msg, len, "round %u: string form not refused",
					       round);
			e.gpr[VMM_RCX] = 3;
			if (vmm_insn_emulate_string(&in, &emu_ops, &e, 8, &f))
				return st_fail(msg, len, "round %u: string emulation failed",
					       round);
			continue;
		}
		if (in.kind == VMM_INSN_MOVDIR64B) {
			if (vmm_insn_emulate(&in, 0x1000, &emu_ops, &e) != -EOPNOTSUPP)
				return st_fail(msg, len, "round %u: movdir64b not refused",
					       round);
			continue;
		}
		if (vmm_insn_emulate(&in, 0x1000, &emu_ops, &e))	/* 0x1000: aligned */
			return st_fail(msg, len, "round %u: emulation failed", round);
	}
	if (ok < FUZZ_ROUNDS / 50)
		return st_fail(msg, len, "only %u of %u inputs decoded: fuzzing too shallow", ok,
			       FUZZ_ROUNDS);
	return 0;
}

/*
 * Guest page tables for vmm_gva_walk(), as a sparse store of entries
 * written by hand from SDM vol. 3A chapter 4 (tables 4-4 to 4-20):
 *
 * 4-level, CR3 0x100000: PML4[0] -> PDPT 0x101000 (P RW US);
 *   PDPT[0] -> PD 0x102000 (P RW US); PDPT[1] = 1 GiB page 0x40000000 (P RW US PS);
 *   PD[0] -> PT 0x103000 (P RW US); PD[1] = 2 MiB page 0x600000 (P RW PS);
 *   PT[0x10] = 0xfed00000 (P RW, supervisor); PT[0x11] = 0x200000 (P US, read-only);
 *   PT[0x12] not present; PT[0x13] = 0x300000 (P RW US XD);
 *   PT[0x14] = 0x400000 with bit 51 set (P RW US); PT[0x15] = 0x500000 (P RW US, key 1).
 * 5-level, CR3 0x104000: PML5[0] -> the PML4 above (P RW US).
 * 32-bit, CR3 0x105000: PD[0] -> PT 0x106000 (P RW US); PT[5] = 0xabc000 (P RW US);
 *   PD[1] = 4 MiB page 0x3_ffc00000 (P RW US PS, PA bits 33:32 in PDE bits 14:13).
 * PAE, CR3 0x107000: PDPT[0] -> PD 0x108000 (P); PD[0] -> PT 0x109000 (P RW US);
 *   PT[7] = 0x777000 (P RW US XD).
 */
struct pt_entry {
	u64 gpa, val;
};

struct ptmem {
	struct pt_entry e[32];
	unsigned int n, reads, ad_writes;
};

static void pt_set(struct ptmem *m, u64 gpa, u64 val)
{
	m->e[m->n].gpa = gpa;
	m->e[m->n++].val = val;
}

static struct pt_entry *pt_find(struct ptmem *m, u64 gpa)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		if (m->e[i].gpa == gpa)
			return &m->e[i];
	return NULL;
}

static int pt_read(void *ctx, u64 gpa, unsigned int size, u64 *val)
{
	struct ptmem *m = ctx;
	struct pt_entry *e = pt_find(m, gpa);

	m->reads++;
	*val = e ? (size == 4 ? e->val & 0xffffffffULL : e->val) : 0;
	return 0;
}

static int pt_set_ad(void *ctx, u64 gpa, unsigned int size, u64 old, u64 val)
{
	struct ptmem *m = ctx;
	struct pt_entry *e = pt_find(m, gpa);

	(void)size;
	if (!e || e->val != old)
		return -EAGAIN;
	e->val = val;
	m->ad_writes++;
	return 0;
}

static const struct vmm_walk_ops pt_ops = { .read = pt_read, .set_ad = pt_set_ad };

#define XD_BIT BIT_ULL(63)

static void pt_build(struct ptmem *m)
{
	memset(m, 0, sizeof(*m));
	pt_set(m, 0x100000, 0x101007);
	pt_set(m, 0x101000, 0x102007);
	pt_set(m, 0x101008, 0x40000087);
	pt_set(m, 0x102000, 0x103007);
	pt_set(m, 0x102008, 0x600083);
	pt_set(m, 0x103000 + 0x10 * 8, 0xfed00003);
	pt_set(m, 0x103000 + 0x11 * 8, 0x200005);
	pt_set(m, 0x103000 + 0x13 * 8, 0x300007 | XD_BIT);
	pt_set(m, 0x103000 + 0x14 * 8, 0x400007 | (1ULL << 51));
	pt_set(m, 0x103000 + 0x15 * 8, 0x500007 | (1ULL << 59));
	pt_set(m, 0x104000, 0x100007);
	pt_set(m, 0x105000, 0x106007);
	pt_set(m, 0x105004, 0xffc06087);
	pt_set(m, 0x106000 + 5 * 4, 0xabc007);
	pt_set(m, 0x107000, 0x108001);
	pt_set(m, 0x108000, 0x109007);
	pt_set(m, 0x109000 + 7 * 8, 0x777007 | XD_BIT);
}

#define CR0_PG_WP	((1ULL << 31) | (1ULL << 16) | 1)
#define EFER_LMA_NXE	((1ULL << 10) | (1ULL << 11))

struct wcase {
	const char *what;
	u64 cr0, cr3, cr4, efer, rflags;
	u32 pkru;
	u8 cpl, maxpa;
	u64 gva;
	unsigned int access;
	int ret;
	u64 gpa;	/* ret 0 */
	u8 vector;	/* ret VMM_EMUL_FAULT */
	u32 ec;
};

static const struct wcase walk_cases[] = {
	{ "4K read", CR0_PG_WP, 0x100000, 0x20, EFER_LMA_NXE, 2, 0, 0, 0, 0x10123, 0, 0,
	  0xfed00123, 0, 0 },
	{ "1G page", CR0_PG_WP, 0x100000, 0x20, EFER_LMA_NXE, 2, 0, 0, 0, 0x41234567, 0, 0,
	  0x41234567, 0, 0 },
	{ "2M page", CR0_PG_WP, 0x100000, 0x20, EFER_LMA_NXE, 2, 0, 0, 0, 0x21abcd, VMM_ACC_WRITE,
	  0, 0x61abcd, 0, 0 },
	{ "user read of a supervisor page", CR0_PG_WP, 0x100000, 0x20, EFER_LMA_NXE, 2, 0, 3, 0,
	  0x10000, 0, VMM_EMUL_FAULT, 0, 14, 5 },
	{ "user write of a read-only page", CR0_PG_WP, 0x100000, 0x20, EFER_LMA_NXE, 2, 0, 3, 0,
	  0x11000, VMM_ACC_WRITE, VMM_EMUL_FAULT, 0, 14, 7 },
	{ "user read of a read-only page", CR0_PG_WP, 0x100000, 0x20, EFER_LMA_NXE, 2, 0, 3, 0,
	  0x11008, 0, 0, 0x200008, 0, 0 },
	{ "supervisor write, CR0.WP", CR0_PG_WP, 0x100000, 0x20, EFER_LMA_NXE, 2, 0, 0, 0, 0x11000,
	  VMM_ACC_WRITE, VMM_EMUL_FAULT, 0, 14, 3 },
	{ "supervisor write, no CR0.WP", 0x80000001, 0x100000, 0x20, EFER_LMA_NXE, 2, 0, 0, 0,
	  0x11000, VMM_ACC_WRITE, 0, 0x200000, 0, 0 },
	{ "not present read", CR0_PG_WP, 0x100000, 0x20, EFER_LMA_NXE, 2, 0, 0, 0, 0x12345, 0,
	  VMM_EMUL_FAULT, 0, 14, 0 },
	{ "not present user write", CR0_PG_WP, 0x100000, 0x20, EFER_LMA_NXE, 2, 0, 3, 0, 0x12000,
	  VMM_ACC_WRITE, VMM_EMUL_FAULT, 0, 14, 6 },
	{ "fetch from an XD page", CR0_PG_WP, 0x100000, 0x20, EFER_LMA_NXE, 2, 0, 0, 0, 0x13000,
	  VMM_ACC_FETCH, VMM_EMUL_FAULT, 0, 14, 0x11 },
	{ "XD without EFER.NXE is reserved", CR0_PG_WP, 0x100000, 0x20, 1ULL << 10, 2, 0, 0, 0,
	  0x13000, VMM_ACC_FETCH, VMM_EMUL_FAULT, 0, 14, 9 },
	{ "bit 51 above MAXPHYADDR 48", CR0_PG_WP, 0x100000, 0x20, EFER_LMA_NXE, 2, 0, 0, 48,
	  0x14000, 0, VMM_EMUL_FAULT, 0, 14, 9 },
	{ "bit 51 under MAXPHYADDR 52", CR0_PG_WP, 0x100000, 0x20, EFER_LMA_NXE, 2, 0, 0, 52,
	  0x14000, 0, 0, 0x8000000400000ULL, 0, 0 },
	{ "SMAP, AC clear", CR0_PG_WP, 0x100000, 0x20 | (1ULL << 21), EFER_LMA_NXE, 2, 0, 0, 0,
	  0x11000, 0, VMM_EMUL_FAULT, 0, 14, 1 },
	{ "SMAP, AC set", CR0_PG_WP, 0x100000, 0x20 | (1ULL << 21), EFER_LMA_NXE, 2 | (1ULL << 18),
	  0, 0, 0, 0x11000, 0, 0, 0x200000, 0, 0 },
	{ "SMEP fetch of a user page", CR0_PG_WP, 0x100000, 0x20 | (1ULL << 20), EFER_LMA_NXE, 2,
	  0, 0, 0, 0x11000, VMM_ACC_FETCH, VMM_EMUL_FAULT, 0, 14, 0x11 },
	{ "PKRU.AD of key 1", CR0_PG_WP, 0x100000, 0x20 | (1ULL << 22), EFER_LMA_NXE, 2, 4, 3, 0,
	  0x15000, 0, VMM_EMUL_FAULT, 0, 14, 0x25 },
	{ "PKRU.WD of key 1, read", CR0_PG_WP, 0x100000, 0x20 | (1ULL << 22), EFER_LMA_NXE, 2, 8,
	  3, 0, 0x15000, 0, 0, 0x500000, 0, 0 },
	{ "PKRU.WD of key 1, write", CR0_PG_WP, 0x100000, 0x20 | (1ULL << 22), EFER_LMA_NXE, 2, 8,
	  3, 0, 0x15000, VMM_ACC_WRITE, VMM_EMUL_FAULT, 0, 14, 0x27 },
	{ "non-canonical", CR0_PG_WP, 0x100000, 0x20, EFER_LMA_NXE, 2, 0, 0, 0,
	  0x0000800000000000ULL, 0, VMM_EMUL_FAULT, 0, 13, 0 },
	{ "5-level", CR0_PG_WP, 0x104000, 0x20 | (1ULL << 12), EFER_LMA_NXE, 2, 0, 0, 0, 0x10008,
	  0, 0, 0xfed00008, 0, 0 },
	{ "5-level accepts bit 47", CR0_PG_WP, 0x104000, 0x20 | (1ULL << 12), EFER_LMA_NXE, 2, 0,
	  0, 0, 0x0000800000000000ULL, 0, VMM_EMUL_FAULT, 0, 14, 0 },
	{ "32-bit 4K", CR0_PG_WP, 0x105000, 0x10, 0, 2, 0, 0, 0, 0x5123, 0, 0, 0xabc123, 0, 0 },
	{ "32-bit 4M PSE-36", CR0_PG_WP, 0x105000, 0x10, 0, 2, 0, 0, 40, 0x401234, 0, 0,
	  0x3ffc01234ULL, 0, 0 },
	{ "32-bit 4M over MAXPHYADDR", CR0_PG_WP, 0x105000, 0x10, 0, 2, 0, 0, 33, 0x401234, 0,
	  VMM_EMUL_FAULT, 0, 14, 9 },
	{ "32-bit fetch: no I/D without SMEP", CR0_PG_WP, 0x105000, 0x10, 0, 2, 0, 3, 0, 0x6000,
	  VMM_ACC_FETCH, VMM_EMUL_FAULT, 0, 14, 4 },
	{ "PAE", CR0_PG_WP, 0x107000, 0x20, 1ULL << 11, 2, 0, 0, 0, 0x7010, 0, 0, 0x777010, 0, 0 },
	{ "PAE fetch from XD", CR0_PG_WP, 0x107000, 0x20, 1ULL << 11, 2, 0, 0, 0, 0x7010,
	  VMM_ACC_FETCH, VMM_EMUL_FAULT, 0, 14, 0x11 },
	{ "paging off", 0x11, 0, 0, 0, 2, 0, 0, 0, 0x12345678, VMM_ACC_WRITE, 0, 0x12345678, 0,
	  0 },
};

static int test_gva_walk_translates_and_faults_like_the_sdm(char *msg, size_t len)
{
	static struct ptmem m;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(walk_cases); i++) {
		const struct wcase *w = &walk_cases[i];
		struct vmm_paging pg = { .cr0 = w->cr0, .cr3 = w->cr3, .cr4 = w->cr4,
					 .efer = w->efer, .rflags = w->rflags, .pkru = w->pkru,
					 .cpl = w->cpl, .maxphyaddr = w->maxpa };
		struct vmm_fault f = { 0 };
		u64 gpa = 0;
		int ret;

		pt_build(&m);
		ret = vmm_gva_walk(&pg, w->gva, w->access, &pt_ops, &m, &gpa, &f);
		if (ret != w->ret)
			return st_fail(msg, len, "%s: returned %d, want %d (vector %u ec 0x%x)",
				       w->what, ret, w->ret, f.vector, f.error_code);
		if (!ret && gpa != w->gpa)
			return st_fail(msg, len, "%s: gpa 0x%llx, want 0x%llx", w->what, gpa,
				       w->gpa);
		if (ret && (f.vector != w->vector || f.error_code != w->ec ||
			    f.cr2 != (w->vector == 14 ? w->gva : 0)))
			return st_fail(msg, len, "%s: vector %u ec 0x%x cr2 0x%llx, want %u 0x%x",
				       w->what, f.vector, f.error_code, f.cr2, w->vector, w->ec);
	}
	return 0;
}

static int test_gva_walk_sets_accessed_and_dirty_flags(char *msg, size_t len)
{
	struct vmm_paging pg = { .cr0 = CR0_PG_WP, .cr3 = 0x100000, .cr4 = 0x20,
				 .efer = EFER_LMA_NXE };
	static struct ptmem m;
	struct vmm_fault f;
	u64 gpa;
	int ret;

	pt_build(&m);
	ret = vmm_gva_walk(&pg, 0x10000, 0, &pt_ops, &m, &gpa, &f);
	/* A (bit 5) on all four levels, D (bit 6) nowhere. */
	if (ret || pt_find(&m, 0x100000)->val != 0x101027 ||
	    pt_find(&m, 0x101000)->val != 0x102027 || pt_find(&m, 0x102000)->val != 0x103027 ||
	    pt_find(&m, 0x103080)->val != 0xfed00023 || m.ad_writes != 4)
		return st_fail(msg, len, "read: ret %d, PTE 0x%llx, %u A/D writes", ret,
			       pt_find(&m, 0x103080)->val, m.ad_writes);
	ret = vmm_gva_walk(&pg, 0x10000, VMM_ACC_WRITE, &pt_ops, &m, &gpa, &f);
	if (ret || pt_find(&m, 0x103080)->val != 0xfed00063 || m.ad_writes != 5)
		return st_fail(msg, len, "write: ret %d, PTE 0x%llx", ret,
			       pt_find(&m, 0x103080)->val);
	/* A fault sets nothing. */
	pt_build(&m);
	ret = vmm_gva_walk(&pg, 0x12000, 0, &pt_ops, &m, &gpa, &f);
	if (ret != VMM_EMUL_FAULT || m.ad_writes)
		return st_fail(msg, len, "fault: ret %d, %u A/D writes", ret, m.ad_writes);
	/* PAE PDPTEs have no A flag; the PD entry and the PTE get one. */
	pg.cr3 = 0x107000;
	pg.efer = 1ULL << 11;	/* NXE: bit 63 of the PTE is XD */
	ret = vmm_gva_walk(&pg, 0x7000, 0, &pt_ops, &m, &gpa, &f);
	if (ret || pt_find(&m, 0x107000)->val != 0x108001 ||
	    pt_find(&m, 0x108000)->val != 0x109027)
		return st_fail(msg, len, "PAE: ret %d PDPTE 0x%llx", ret,
			       pt_find(&m, 0x107000)->val);
	return 0;
}

static int test_gva_walk_refuses_bad_arguments(char *msg, size_t len)
{
	struct vmm_paging pg = { .cr0 = CR0_PG_WP, .cr3 = 0x100000, .cr4 = 0x20 | (1ULL << 24),
				 .efer = EFER_LMA_NXE };
	static const struct vmm_walk_ops no_read = { 0 };
	static struct ptmem m;
	struct vmm_fault f;
	u64 gpa;

	pt_build(&m);
	if (vmm_gva_walk(&pg, 0x10000, 0, &pt_ops, &m, &gpa, &f) != -EOPNOTSUPP)
		return st_fail(msg, len, "CR4.PKS not refused");
	pg.cr4 = 0x20;
	pg.maxphyaddr = 60;
	if (vmm_gva_walk(&pg, 0x10000, 0, &pt_ops, &m, &gpa, &f) != -EINVAL)
		return st_fail(msg, len, "MAXPHYADDR 60 not refused");
	pg.maxphyaddr = 0;
	if (vmm_gva_walk(&pg, 0x10000, 0, &no_read, &m, &gpa, &f) != -EINVAL ||
	    vmm_gva_walk(NULL, 0x10000, 0, &pt_ops, &m, &gpa, &f) != -EINVAL ||
	    m.reads)
		return st_fail(msg, len, "NULL arguments not refused");
	return 0;
}

/* vmm_emulate_insn() on the string guest: fetch, translate, fault, #UD. */
static int test_emulate_insn_fetches_translates_and_faults(char *msg, size_t len)
{
	static struct sguest g;
	struct vmm_emul_req req = { .mode = VMM_MODE_64, .max_iter = 1 };
	struct vmm_emul_res res;
	static const u8 lock_load[] = { 0xf0, 0x8b, 0x07 };
	static const u8 rep_movsb[] = { 0xf3, 0xa4 };
	u8 too_long[16];
	int ret;

	memset(&g, 0, sizeof(g));
	/* mov [rdi],eax fetched from RAM at 0x10100, RDI at the FIFO. */
	g.ram[0x100] = 0x89;
	g.ram[0x101] = 0x07;
	g.r.gpr[VMM_RAX] = 0x11223344;
	g.r.gpr[VMM_RDI] = S_FIFO + 8;
	g.r.rflags = 2;
	req.rip = S_RAM + 0x100;
	ret = vmm_emulate_insn(&req, &s_ops, &g, &res);
	if (ret || res.insn.len != 2 || res.gpa != S_FIFO + 8 || g.nlog != 1 ||
	    g.log[0] != 0x11223344)
		return st_fail(msg, len, "fetched store: ret %d len %u gpa 0x%llx, %u writes", ret,
			       res.insn.len, res.gpa, g.nlog);
	/* The same two bytes ending at the last byte of RAM: no fault. */
	g.ram[S_RAM_SIZE - 2] = 0x89;
	g.ram[S_RAM_SIZE - 1] = 0x07;
	req.rip = S_RAM + S_RAM_SIZE - 2;
	if (vmm_emulate_insn(&req, &s_ops, &g, &res) || g.nlog != 2)
		return st_fail(msg, len, "store at the end of RAM failed");
	/* One byte before the hole: the fetch of the second byte faults. */
	g.ram[S_RAM_SIZE - 1] = 0x89;
	req.rip = S_RAM + S_RAM_SIZE - 1;
	ret = vmm_emulate_insn(&req, &s_ops, &g, &res);
	if (ret != VMM_EMUL_FAULT || res.fault.vector != 14 || res.fault.cr2 != S_HOLE ||
	    g.nlog != 2)
		return st_fail(msg, len, "fetch across into the hole: ret %d vector %u cr2 0x%llx",
			       ret, res.fault.vector, res.fault.cr2);
	/* A data operand crossing into the hole: #PF for a write, nothing written. */
	req.bytes = (const u8 *)"\x48\x89\x07";	/* mov [rdi],rax */
	req.nbytes = 3;
	g.r.gpr[VMM_RDI] = S_RAM + S_RAM_SIZE - 4;
	ret = vmm_emulate_insn(&req, &s_ops, &g, &res);
	if (ret != VMM_EMUL_FAULT || res.fault.vector != 14 || res.fault.cr2 != S_HOLE ||
	    res.fault.error_code != 2 || g.ram[S_RAM_SIZE - 4])
		return st_fail(msg, len, "operand across into the hole: ret %d ec 0x%x", ret,
			       res.fault.error_code);
	/* The exit's GPA wins over the registers. */
	req.has_gpa = true;
	req.gpa = S_FIFO;
	if (vmm_emulate_insn(&req, &s_ops, &g, &res) || g.nlog != 3 || g.log[2] != 0x11223344)
		return st_fail(msg, len, "store to the exit's GPA failed");
	req.has_gpa = false;
	/* 64-bit mode ignores the DS base (0x1000 in s_ops_seg); 16-bit code uses it. */
	g.r.gpr[VMM_RDI] = S_RAM + 0x10;
	if (vmm_emulate_insn(&req, &s_ops_seg, &g, &res) || res.gpa != S_RAM + 0x10)
		return st_fail(msg, len, "64-bit mode: gpa 0x%llx", res.gpa);
	req.mode = VMM_MODE_16;
	req.bytes = (const u8 *)"\x89\x05";	/* mov [di],ax */
	req.nbytes = 2;
	g.r.gpr[VMM_RDI] = 0xf020;
	if (vmm_emulate_insn(&req, &s_ops_seg, &g, &res) || res.gpa != 0x10020)
		return st_fail(msg, len, "16-bit DS:DI: gpa 0x%llx", res.gpa);
	/* [bp+si] defaults to SS and wraps at 16 bits; an ES override takes ES's. */
	req.bytes = (const u8 *)"\x89\x02";	/* mov [bp+si],ax */
	g.r.gpr[VMM_RBP] = 0x10000;
	g.r.gpr[VMM_RSI] = 4;
	if (vmm_emulate_insn(&req, &s_ops_seg, &g, &res) || res.gpa != S_RAM + 0x1004)
		return st_fail(msg, len, "16-bit SS:[BP+SI]: gpa 0x%llx", res.gpa);
	req.bytes = (const u8 *)"\x26\x89\x02";	/* mov es:[bp+si],ax */
	req.nbytes = 3;
	if (vmm_emulate_insn(&req, &s_ops_seg, &g, &res) || res.gpa != S_RAM + 4)
		return st_fail(msg, len, "16-bit ES:[BP+SI]: gpa 0x%llx", res.gpa);
	/* LOCK on a load is #UD; 16 bytes are #GP(0); neither touches anything. */
	req.mode = VMM_MODE_64;
	req.bytes = lock_load;
	req.nbytes = sizeof(lock_load);
	ret = vmm_emulate_insn(&req, &s_ops, &g, &res);
	if (ret != VMM_EMUL_FAULT || res.fault.vector != 6)
		return st_fail(msg, len, "lock mov load: ret %d vector %u", ret, res.fault.vector);
	memset(too_long, 0x66, sizeof(too_long));
	too_long[14] = 0x89;
	too_long[15] = 0x07;
	req.bytes = too_long;
	req.nbytes = sizeof(too_long);
	ret = vmm_emulate_insn(&req, &s_ops, &g, &res);
	if (ret != VMM_EMUL_FAULT || res.fault.vector != 13 || res.fault.error_code)
		return st_fail(msg, len, "16 bytes: ret %d vector %u", ret, res.fault.vector);
	/* A REP runs max_iter iterations at a time. */
	req.bytes = rep_movsb;
	req.nbytes = sizeof(rep_movsb);
	req.max_iter = 2;
	g.r.gpr[VMM_RSI] = S_RAM;
	g.r.gpr[VMM_RDI] = S_RAM + 0x200;
	g.r.gpr[VMM_RCX] = 3;
	ret = vmm_emulate_insn(&req, &s_ops, &g, &res);
	if (ret != VMM_EMUL_AGAIN || g.r.gpr[VMM_RCX] != 1 || g.r.gpr[VMM_RDI] != S_RAM + 0x202)
		return st_fail(msg, len, "rep movsb: ret %d rcx %llu", ret, g.r.gpr[VMM_RCX]);
	ret = vmm_emulate_insn(&req, &s_ops, &g, &res);
	if (ret || g.r.gpr[VMM_RCX] || res.insn.len != 2)
		return st_fail(msg, len, "rep movsb end: ret %d rcx %llu", ret, g.r.gpr[VMM_RCX]);
	/* Short bytes and bad arguments. */
	req.nbytes = 1;
	if (vmm_emulate_insn(&req, &s_ops, &g, &res) != -ENODATA ||
	    vmm_emulate_insn(NULL, &s_ops, &g, &res) != -EINVAL)
		return st_fail(msg, len, "short or NULL request not refused");
	req.mode = 7;
	if (vmm_emulate_insn(&req, &s_ops, &g, &res) != -EINVAL)
		return st_fail(msg, len, "bad mode not refused");
	return 0;
}

/*
 * MOVDIR64B on the string guest: 64 bytes of RAM to the FIFO device as
 * eight 8-byte writes; a misaligned destination is #GP(0) and a source
 * reaching into the hole #PF, both before anything is written.
 */
static int test_movdir64b_moves_64_bytes_to_an_aligned_destination(char *msg, size_t len)
{
	static const u8 movdir64b[] = { 0x66, 0x0f, 0x38, 0xf8, 0x37 };	/* rsi,[rdi] */
	struct vmm_emul_req req = { .bytes = movdir64b, .nbytes = sizeof(movdir64b),
				    .mode = VMM_MODE_64, .has_gpa = true, .gpa = 0x1234 };
	static struct sguest g;
	struct vmm_emul_res res;
	unsigned int i;
	int ret;

	memset(&g, 0, sizeof(g));
	for (i = 0; i < 64; i++)
		g.ram[0x100 + i] = (u8)i;
	g.r.gpr[VMM_RDI] = S_RAM + 0x100;
	g.r.gpr[VMM_RSI] = S_FIFO + 0x40;
	ret = vmm_emulate_insn(&req, &s_ops, &g, &res);
	if (ret || res.insn.len != 5 || g.nlog != 8 || g.log_sizes != 8 ||
	    g.log[0] != 0x0706050403020100ULL || g.log[7] != 0x3f3e3d3c3b3a3938ULL)
		return st_fail(msg, len, "ret %d, %u writes, first 0x%llx", ret, g.nlog, g.log[0]);
	/* The destination 32 bytes off a 64-byte boundary. */
	g.nlog = 0;
	g.r.gpr[VMM_RSI] = S_FIFO + 0x20;
	ret = vmm_emulate_insn(&req, &s_ops, &g, &res);
	if (ret != VMM_EMUL_FAULT || res.fault.vector != 13 || res.fault.error_code || g.nlog)
		return st_fail(msg, len, "misaligned: ret %d vector %u, %u writes", ret,
			       res.fault.vector, g.nlog);
	/* A source whose last 8 bytes are in the hole after RAM. */
	g.r.gpr[VMM_RSI] = S_FIFO;
	g.r.gpr[VMM_RDI] = S_RAM + S_RAM_SIZE - 56;
	ret = vmm_emulate_insn(&req, &s_ops, &g, &res);
	if (ret != VMM_EMUL_FAULT || res.fault.vector != 14 || res.fault.cr2 != S_HOLE || g.nlog)
		return st_fail(msg, len, "source fault: ret %d vector %u cr2 0x%llx, %u writes",
			       ret, res.fault.vector, res.fault.cr2, g.nlog);
	/* Needs both addresses: vmm_insn_emulate() refuses it. */
	if (vmm_insn_emulate(&res.insn, S_FIFO, &s_ops, &g) != -EOPNOTSUPP)
		return st_fail(msg, len, "vmm_insn_emulate() accepted movdir64b");
	return 0;
}

#define T(fn) { #fn, fn }
static const struct tdsnp_selftest decode_tests[] = {
	T(test_mov_forms_decode_exactly),
	T(test_extending_and_nontemporal_moves_decode_exactly),
	T(test_alu_and_test_forms_decode_exactly),
	T(test_xchg_xadd_cmpxchg_decode_exactly),
	T(test_bit_test_forms_decode_exactly),
	T(test_string_forms_decode_exactly),
	T(test_port_forms_decode_exactly),
	T(test_sse_and_avx_moves_decode_exactly),
	T(test_vector_moves_split_into_8_byte_accesses_and_check_alignment),
	T(test_refused_encodings_get_their_error),
	T(test_loads_extend_and_merge_like_the_cpu),
	T(test_stores_write_the_operand_width),
	T(test_alu_results_and_flags),
	T(test_xchg_swaps_register_and_mmio),
	T(test_callback_error_stops_emulation),
	T(test_emulate_refuses_a_hand_built_insn),
	T(test_rep_movs_copies_ram_to_mmio_and_back_both_directions),
	T(test_rep_with_zero_count_does_nothing),
	T(test_rep_stops_between_iterations_with_exact_registers),
	T(test_repe_cmps_and_repne_scas_stop_on_zf),
	T(test_string_address_size_wraps_and_extends_like_the_cpu),
	T(test_fuzz_decoder_keeps_its_invariants),
	T(test_fast_path_decodes_like_the_phases),
	T(test_gva_walk_translates_and_faults_like_the_sdm),
	T(test_gva_walk_sets_accessed_and_dirty_flags),
	T(test_gva_walk_refuses_bad_arguments),
	T(test_emulate_insn_fetches_translates_and_faults),
	T(test_movdir64b_decodes_exactly),
	T(test_movdir64b_moves_64_bytes_to_an_aligned_destination),
};

const struct tdsnp_selftest_suite tdsnp_decode_suite = {
	.name = "decode",
	.tests = decode_tests,
	.nr = ARRAY_SIZE(decode_tests),
};
