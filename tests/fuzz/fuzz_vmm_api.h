/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The entry points libFuzzer calls (their names are libFuzzer's).
 */
#ifndef TDSNP_FUZZ_VMM_API_H
#define TDSNP_FUZZ_VMM_API_H

#include <tdsnp/platform.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

#endif /* TDSNP_FUZZ_VMM_API_H */
