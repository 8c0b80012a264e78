/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Where a guest program's source says something: the line a GUEST_ASSERT()
 * reports, found in the file rather than written into a test.  Userspace
 * only (guest_source_user.c); paths are relative to the source tree, where
 * the tests run.
 */
#ifndef TDSNP_MOCK_GUEST_SOURCE_H
#define TDSNP_MOCK_GUEST_SOURCE_H

int guest_source_line(const char *file, const char *text);

#endif /* TDSNP_MOCK_GUEST_SOURCE_H */
