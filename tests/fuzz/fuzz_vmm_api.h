/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The entry points libFuzzer calls (their names are libFuzzer's).
 */
#ifndef TDSNP_FUZZ_VMM_API_H
#define TDSNP_FUZZ_VMM_API_H

#include <stdlib.h>

#include <tdsnp/platform.h>
#include "../mocks/mock.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

/**
 * fuzz_mock_mode() - how a target's firmware instructions reach the mock
 *
 * By default as direct calls into the model (tdsnp_mock_set_direct()): the
 * same model, the same registers.  The real instruction, its #UD and the
 * catcher's register copy do not depend on the input and the unit tests
 * prove them; through them a TDX target spent over half its time in the
 * kernel's SIGILL delivery (perf) and ran 4.5 times slower.
 * TDSNP_FUZZ_TRAP=1 in the environment keeps the traps (scripts/fuzz-api.sh
 * replays each corpus that way first).
 */
static inline void fuzz_mock_mode(void)
{
	const char *trap = getenv("TDSNP_FUZZ_TRAP");

	tdsnp_mock_set_direct(!(trap && trap[0] == '1'));
}

#endif /* TDSNP_FUZZ_VMM_API_H */
