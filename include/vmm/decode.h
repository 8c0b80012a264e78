/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The MMIO instruction decoder and emulator of vmm-core.
 *
 * Pure in the sense of the bhyve and Xen emulators: vmm_insn_decode() turns
 * instruction bytes into a struct vmm_insn and touches nothing else;
 * vmm_insn_emulate() performs one decoded instruction against a memory
 * operand whose guest-physical address the exit already gave (TDX EPT
 * violation, SNP NPF/MMIO), through callbacks for registers and MMIO, so a
 * device model only ever sees (address, size, value).
 *
 * The decoder runs in phases (legacy prefixes and REX, opcode, ModRM and
 * SIB, displacement, immediate or moffs, then the #UD rules that need the
 * whole instruction), each returning one typed error that the public call
 * maps to an errno.
 *
 * Coverage: MOV to/from memory (88, 89, 8A, 8B, A0-A3 moffs of every
 * address size, C6/C7 imm), MOVZX and MOVSX (0F B6, B7, BE, BF), MOVSXD
 * (63, 64-bit mode), MOVNTI (0F C3), the ALU ops on memory (ADD, OR, ADC,
 * SBB, AND, SUB, XOR, CMP in their r/m,r r,r/m and 80/81/82/83 immediate
 * forms), TEST (84, 85, F6/F7 /0 and /1), XCHG (86, 87), XADD (0F C0, C1),
 * CMPXCHG (0F B0, B1) and BT, BTS, BTR, BTC (0F A3, AB, B3, BB and
 * 0F BA /4-/7), with legacy prefixes, REX and LOCK, in 64-bit, 32-bit and
 * 16-bit code, and 64-, 32- and 16-bit addressing where the mode allows it.
 * The string instructions MOVS, CMPS, STOS, LODS, SCAS, INS and OUTS
 * (with REP, REPE, REPNE) and IN/OUT (imm8 and DX) decode too; they run
 * through vmm_insn_emulate_string(), which reaches guest memory by linear
 * address through a translate callback.  SSE moves (MOVUPS/UPD, MOVAPS/APD,
 * MOVSS/SD, MOVNTPS/PD, MOVD/MOVQ, MOVDQA/DQU, MOVNTDQ) and their VEX forms
 * (VMOVUPS/UPD, VMOVAPS/APD, VMOVDQA/DQU, VMOVNTDQ, VMOVNTPS/PD, 64-bit
 * mode) move a vector register through get_vec/set_vec.  MOVDIR64B
 * (66 0F 38 F8 /r) moves 64 bytes memory to memory through
 * vmm_emulate_insn().  EVEX and MMX are refused with -EOPNOTSUPP.
 *
 * vmm_emulate_insn() is the one call for an exit that gives an instruction
 * rather than a port and value: it fetches (or takes) the bytes, decodes,
 * finds the operand (the exit's GPA, or the effective address translated
 * through the guest's page tables with vmm_gva_walk() behind the translate
 * callback) and runs the right emulation, returning every guest exception
 * (#UD, #GP, #PF) as a struct vmm_fault for the caller to inject.
 */
#ifndef VMM_DECODE_H
#define VMM_DECODE_H

#include <tdsnp/compiler.h>

#define VMM_INSN_MAX_LEN	15

/* GPR numbers as the instruction encoding uses them. */
enum vmm_gpr {
	VMM_RAX, VMM_RCX, VMM_RDX, VMM_RBX, VMM_RSP, VMM_RBP, VMM_RSI, VMM_RDI,
	VMM_R8, VMM_R9, VMM_R10, VMM_R11, VMM_R12, VMM_R13, VMM_R14, VMM_R15,
	VMM_NR_GPRS
};

/**
 * enum vmm_cpu_mode - how the guest executes the bytes
 * @VMM_MODE_64: long mode, 64-bit code segment
 * @VMM_MODE_32: protected mode or compatibility mode, 32-bit segment
 * @VMM_MODE_16: real mode or a 16-bit protected-mode segment (default
 *               operand and address size 16 bits)
 */
enum vmm_cpu_mode {
	VMM_MODE_64,
	VMM_MODE_32,
	VMM_MODE_16,
};

/**
 * enum vmm_insn_kind - what the instruction does with its memory operand
 * @VMM_INSN_STORE: MOV to memory from a register or an immediate
 * @VMM_INSN_LOAD: MOV, MOVZX, MOVSX or MOVSXD from memory into a register
 * @VMM_INSN_ALU: read, combine, write back (CMP, TEST and BT do not write)
 * @VMM_INSN_XCHG: swap a register with memory
 * @VMM_INSN_XADD: memory gets memory + register, the register the old value
 * @VMM_INSN_CMPXCHG: compare the accumulator with memory; store the
 *                    register if equal, else load the accumulator (memory
 *                    is written back unchanged, as the SDM describes)
 * @VMM_INSN_STRING: MOVS CMPS STOS LODS SCAS INS OUTS (enum vmm_str_op),
 *                   run by vmm_insn_emulate_string()
 * @VMM_INSN_PORT: IN or OUT, run by vmm_insn_emulate_string()
 * @VMM_INSN_VEC_LOAD: SSE/AVX move from memory into XMM/YMM register @reg
 * @VMM_INSN_VEC_STORE: SSE/AVX move of XMM/YMM register @reg to memory
 * @VMM_INSN_MOVDIR64B: MOVDIR64B: 64 bytes from the ModRM memory operand to
 *                      ES:[@reg] (@reg_size: the address size), run by
 *                      vmm_emulate_insn()
 * @VMM_INSN_NR_KINDS: the number of kinds
 */
enum vmm_insn_kind {
	VMM_INSN_STORE,
	VMM_INSN_LOAD,
	VMM_INSN_ALU,
	VMM_INSN_XCHG,
	VMM_INSN_XADD,
	VMM_INSN_CMPXCHG,
	VMM_INSN_STRING,
	VMM_INSN_PORT,
	VMM_INSN_VEC_LOAD,
	VMM_INSN_VEC_STORE,
	VMM_INSN_MOVDIR64B,
	VMM_INSN_NR_KINDS
};

/**
 * enum vmm_str_op - the operation of a VMM_INSN_STRING instruction
 * @VMM_STR_MOVS: ES:[rDI] = DS:[rSI]
 * @VMM_STR_CMPS: flags of DS:[rSI] - ES:[rDI]
 * @VMM_STR_STOS: ES:[rDI] = accumulator
 * @VMM_STR_LODS: accumulator = DS:[rSI]
 * @VMM_STR_SCAS: flags of accumulator - ES:[rDI]
 * @VMM_STR_INS: ES:[rDI] = port DX
 * @VMM_STR_OUTS: port DX = DS:[rSI]
 */
enum vmm_str_op {
	VMM_STR_MOVS, VMM_STR_CMPS, VMM_STR_STOS, VMM_STR_LODS,
	VMM_STR_SCAS, VMM_STR_INS, VMM_STR_OUTS,
};

/* Repeat prefixes of a string instruction (struct vmm_insn.rep). */
#define VMM_REP_NONE	0
#define VMM_REP_E	1	/* F3: REP, or REPE/REPZ for CMPS and SCAS */
#define VMM_REP_NE	2	/* F2: REPNE/REPNZ, CMPS and SCAS only */

/* Segment registers, Sreg encoding order (SDM vol. 2 3.1.1.3), then LDTR, TR. */
enum vmm_seg { VMM_SEG_ES, VMM_SEG_CS, VMM_SEG_SS, VMM_SEG_DS, VMM_SEG_FS, VMM_SEG_GS,
	       VMM_SEG_LDTR, VMM_SEG_TR };

/**
 * enum vmm_alu_op - the operation of a VMM_INSN_ALU instruction
 * @VMM_ALU_ADD: ADD
 * @VMM_ALU_OR: OR
 * @VMM_ALU_ADC: ADC
 * @VMM_ALU_SBB: SBB
 * @VMM_ALU_AND: AND
 * @VMM_ALU_SUB: SUB
 * @VMM_ALU_XOR: XOR
 * @VMM_ALU_CMP: CMP (flags only)
 * @VMM_ALU_TEST: TEST (flags only)
 * @VMM_ALU_BT: BT (CF only)
 * @VMM_ALU_BTS: BTS (CF, then the bit is set)
 * @VMM_ALU_BTR: BTR (CF, then the bit is cleared)
 * @VMM_ALU_BTC: BTC (CF, then the bit is complemented)
 */
enum vmm_alu_op {
	VMM_ALU_ADD, VMM_ALU_OR, VMM_ALU_ADC, VMM_ALU_SBB,
	VMM_ALU_AND, VMM_ALU_SUB, VMM_ALU_XOR, VMM_ALU_CMP,
	VMM_ALU_TEST, VMM_ALU_BT, VMM_ALU_BTS, VMM_ALU_BTR, VMM_ALU_BTC,
};

/**
 * struct vmm_insn - a decoded instruction with a memory operand
 * @len: bytes the instruction occupies (RIP advances by this)
 * @kind: enum vmm_insn_kind
 * @alu_op: enum vmm_alu_op, for VMM_INSN_ALU
 * @size: width of the memory access in bytes (1, 2, 4 or 8; 4 to 32 for
 *        SSE/AVX moves, 64 for MOVDIR64B)
 * @reg_size: width of the register operand (differs from @size for
 *            MOVZX/MOVSX/MOVSXD)
 * @sign_extend: a load that sign-extends (MOVSX, MOVSXD)
 * @reg: the register operand (enum vmm_gpr), or -1 when an immediate is used
 * @reg_high8: @reg names AH, CH, DH or BH (byte operation without REX)
 * @to_reg: an ALU instruction whose destination is the register (the
 *          r, r/m forms); otherwise memory is the destination
 * @has_imm: @imm is the source operand
 * @imm: the immediate, sign-extended to @size as the CPU does
 * @lock: a LOCK prefix was present
 * @seg: segment override prefix byte (0x26, 0x2e, ...), or 0
 * @addr_size: address size in bytes (8 or 4 in 64-bit mode, 4 or 2 in
 *             32-bit and 16-bit modes)
 * @modrm_mod: ModRM.mod of the memory operand (3 never: memory is required)
 * @base: base register of the address (-1 none); with 16-bit addressing
 *        BX or BP
 * @index: index register (-1 none); with 16-bit addressing SI or DI
 * @scale: SIB scale factor 1, 2, 4 or 8
 * @rip_relative: the address is RIP-relative
 * @moffs: the A0-A3 forms: an absolute offset instead of ModRM
 * @str_op: enum vmm_str_op, for VMM_INSN_STRING
 * @rep: VMM_REP_NONE, VMM_REP_E or VMM_REP_NE
 * @port_in: VMM_INSN_PORT: IN (else OUT); the port is @imm when @has_imm,
 *           else DX
 * @vec_len: VMM_INSN_VEC_LOAD: bytes of the vector register the load
 *           writes, zero-extending the @size bytes read (16 for SSE, 32
 *           for VEX, whose upper bits are zeroed; AVX-512 is not modelled)
 * @align: the alignment the instruction requires (16 or 32), or 0
 * @disp: displacement, sign-extended (or the moffs value, zero-extended)
 * @mode: enum vmm_cpu_mode the bytes were decoded in (64-bit mode ignores
 *        the ES, CS, SS and DS bases)
 */
struct vmm_insn {
	u8 len;
	u8 kind;
	u8 alu_op;
	u8 size;
	u8 reg_size;
	bool sign_extend;
	s8 reg;
	bool reg_high8;
	bool to_reg;
	bool has_imm;
	u64 imm;
	bool lock;
	u8 seg;
	u8 addr_size;
	u8 modrm_mod;
	s8 base;
	s8 index;
	u8 scale;
	bool rip_relative;
	bool moffs;
	s64 disp;
	u8 str_op;
	u8 rep;
	bool port_in;
	u8 vec_len;
	u8 align;
	u8 mode;
};

/* decode.c's fast path builds the struct as seven words by these offsets. */
TDSNP_CHECK_SIZE(struct vmm_insn, 56);
TDSNP_CHECK_OFFSET(struct vmm_insn, len, 0);
TDSNP_CHECK_OFFSET(struct vmm_insn, kind, 1);
TDSNP_CHECK_OFFSET(struct vmm_insn, alu_op, 2);
TDSNP_CHECK_OFFSET(struct vmm_insn, size, 3);
TDSNP_CHECK_OFFSET(struct vmm_insn, reg_size, 4);
TDSNP_CHECK_OFFSET(struct vmm_insn, reg, 6);
TDSNP_CHECK_OFFSET(struct vmm_insn, reg_high8, 7);
TDSNP_CHECK_OFFSET(struct vmm_insn, has_imm, 9);
TDSNP_CHECK_OFFSET(struct vmm_insn, imm, 16);
TDSNP_CHECK_OFFSET(struct vmm_insn, lock, 24);
TDSNP_CHECK_OFFSET(struct vmm_insn, addr_size, 26);
TDSNP_CHECK_OFFSET(struct vmm_insn, modrm_mod, 27);
TDSNP_CHECK_OFFSET(struct vmm_insn, base, 28);
TDSNP_CHECK_OFFSET(struct vmm_insn, index, 29);
TDSNP_CHECK_OFFSET(struct vmm_insn, scale, 30);
TDSNP_CHECK_OFFSET(struct vmm_insn, rip_relative, 31);
TDSNP_CHECK_OFFSET(struct vmm_insn, disp, 40);
TDSNP_CHECK_OFFSET(struct vmm_insn, mode, 53);

/* Exception vectors the emulation raises (SDM vol. 3A table 6-1). */
#define VMM_VEC_UD	6	/* invalid opcode: no error code */
#define VMM_VEC_GP	13	/* general protection: error code (0 here) */
#define VMM_VEC_PF	14	/* page fault: error code and CR2 */

/**
 * struct vmm_fault - an exception the emulation raises in the guest
 * @vector: VMM_VEC_UD, VMM_VEC_GP or VMM_VEC_PF
 * @error_code: the exception's error code (#GP, #PF; 0 and not delivered
 *              for #UD)
 * @cr2: the faulting linear address, for #PF
 */
struct vmm_fault {
	u8 vector;
	u32 error_code;
	u64 cr2;
};

/*
 * The access a translation is for; the values are the page-fault error
 * code bits they set (SDM vol. 3A 4.7).  0 is a data read.
 */
#define VMM_ACC_WRITE	BIT(1)	/* a data write (PFEC.W/R) */
#define VMM_ACC_USER	BIT(2)	/* a CPL 3 access (PFEC.U/S) */
#define VMM_ACC_FETCH	BIT(4)	/* an instruction fetch (PFEC.I/D) */

/* Results of vmm_insn_emulate_string() besides 0 and a negative errno. */
#define VMM_EMUL_AGAIN	1	/* iterations remain: re-enter without advancing RIP */
#define VMM_EMUL_FAULT	2	/* inject the struct vmm_fault; RIP stays */

/**
 * struct vmm_emul_ops - what the emulator may touch
 * @get_reg: read a full 64-bit GPR (enum vmm_gpr)
 * @set_reg: write a full 64-bit GPR
 * @get_rflags: read RFLAGS
 * @set_rflags: write RFLAGS
 * @mmio_read: read @size bytes at @gpa into *@val (zero-extended);
 *             returns 0 or a negative errno
 * @mmio_write: write the low @size bytes of @val at @gpa
 * @translate: guest page-table walk of the linear address @gva for
 *             @access (VMM_ACC_WRITE, VMM_ACC_FETCH or 0 for a read; the
 *             callback adds VMM_ACC_USER at CPL 3), e.g. with
 *             vmm_gva_walk(); returns 0 with *@gpa, VMM_EMUL_FAULT with
 *             *@fault filled (#PF), or a negative errno.  NULL: paging is
 *             off, the linear address is the physical one
 * @seg_base: the base of segment @seg (enum vmm_seg); NULL: all zero
 * @port_in: read @size bytes from I/O port @port
 * @port_out: write @size bytes to I/O port @port
 * @get_vec: SSE/AVX forms: copy the low @len bytes of XMM/YMM @reg to @buf
 * @set_vec: write the low @len bytes of XMM/YMM @reg from @buf, leaving
 *           the bytes above @len as they are
 *
 * @mmio_read and @mmio_write see every guest-physical access the emulator
 * makes, RAM as well as MMIO: the caller routes them.
 */
struct vmm_emul_ops {
	u64 (*get_reg)(void *ctx, unsigned int reg);
	void (*set_reg)(void *ctx, unsigned int reg, u64 val);
	u64 (*get_rflags)(void *ctx);
	void (*set_rflags)(void *ctx, u64 rflags);
	int (*mmio_read)(void *ctx, u64 gpa, unsigned int size, u64 *val);
	int (*mmio_write)(void *ctx, u64 gpa, unsigned int size, u64 val);
	int (*translate)(void *ctx, u64 gva, unsigned int access, u64 *gpa,
			 struct vmm_fault *fault);
	u64 (*seg_base)(void *ctx, unsigned int seg);
	int (*port_in)(void *ctx, u16 port, unsigned int size, u64 *val);
	int (*port_out)(void *ctx, u16 port, unsigned int size, u64 val);
	int (*get_vec)(void *ctx, unsigned int reg, u8 *buf, unsigned int len);
	int (*set_vec)(void *ctx, unsigned int reg, const u8 *buf, unsigned int len);
};

/**
 * struct vmm_paging - the guest state a page-table walk depends on
 * @cr0: CR0 (PG bit 31, WP bit 16)
 * @cr3: CR3 (the root table; PCID bits are ignored)
 * @cr4: CR4 (PSE bit 4, PAE bit 5, LA57 bit 12, SMEP bit 20, SMAP bit 21,
 *       PKE bit 22, PKS bit 24)
 * @efer: IA32_EFER (LMA bit 10, NXE bit 11)
 * @rflags: RFLAGS (AC bit 18 lifts SMAP for explicit accesses)
 * @pkru: PKRU, used when CR4.PKE is set
 * @cpl: the current privilege level (3: user-mode accesses)
 * @maxphyaddr: physical-address width in bits (CPUID 0x80000008 EAX[7:0]);
 *              0 means 52
 */
struct vmm_paging {
	u64 cr0;
	u64 cr3;
	u64 cr4;
	u64 efer;
	u64 rflags;
	u32 pkru;
	u8 cpl;
	u8 maxphyaddr;
};

/**
 * struct vmm_walk_ops - how a page-table walk reaches guest memory
 * @read: read the @size-byte (4 or 8) paging-structure entry at @gpa
 * @set_ad: optional: replace the entry at @gpa, which must still hold
 *          @old, with @val (the accessed and dirty bits the CPU sets), as
 *          one atomic compare-and-exchange; -EAGAIN when it no longer held
 *          @old (the walk starts again).  NULL: A/D bits are left alone
 */
struct vmm_walk_ops {
	int (*read)(void *ctx, u64 gpa, unsigned int size, u64 *val);
	int (*set_ad)(void *ctx, u64 gpa, unsigned int size, u64 old, u64 val);
};

/**
 * struct vmm_emul_req - an exit that gives an instruction to emulate
 * @bytes: the instruction bytes at RIP, or NULL to fetch them through
 *         @ops->translate (VMM_ACC_FETCH) and @ops->mmio_read at CS:RIP
 * @nbytes: how many of @bytes are valid
 * @mode: enum vmm_cpu_mode
 * @has_gpa: the exit gave the guest-physical address of the memory operand
 *           (TDX EPT violation, SNP NPF); else the address is computed from
 *           the registers and translated through the guest's page tables
 * @gpa: that address
 * @rip: the guest's RIP at the instruction
 * @max_iter: iterations of a REP string instruction to run before handing
 *            the vCPU back (0 means 1)
 */
struct vmm_emul_req {
	const u8 *bytes;
	size_t nbytes;
	u8 mode;
	bool has_gpa;
	u64 gpa;
	u64 rip;
	unsigned int max_iter;
};

/**
 * struct vmm_emul_res - what vmm_emulate_insn() did
 * @insn: the decoded instruction (@insn.len: how far RIP advances)
 * @fault: the exception to inject when VMM_EMUL_FAULT is returned
 * @gpa: the guest-physical address of the memory operand (0 for string,
 *       port and MOVDIR64B instructions, which translate per access)
 */
struct vmm_emul_res {
	struct vmm_insn insn;
	struct vmm_fault fault;
	u64 gpa;
};

int vmm_insn_decode(const u8 *bytes, size_t avail, enum vmm_cpu_mode mode,
		    struct vmm_insn *insn);
int vmm_insn_emulate(const struct vmm_insn *insn, u64 gpa,
		     const struct vmm_emul_ops *ops, void *ctx);
int vmm_insn_emulate_string(const struct vmm_insn *insn, const struct vmm_emul_ops *ops,
			    void *ctx, unsigned int max_iter, struct vmm_fault *fault);
int vmm_insn_ea(const struct vmm_insn *insn, u64 rip, const struct vmm_emul_ops *ops,
		void *ctx, u64 *ea);
int vmm_gva_walk(const struct vmm_paging *pg, u64 gva, unsigned int access,
		 const struct vmm_walk_ops *ops, void *ctx, u64 *gpa, struct vmm_fault *fault);
int vmm_emulate_insn(const struct vmm_emul_req *req, const struct vmm_emul_ops *ops, void *ctx,
		     struct vmm_emul_res *res);

#endif /* VMM_DECODE_H */
