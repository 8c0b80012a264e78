// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * guest_source_line(): the line of a guest program's source that holds a
 * text, for tests that check what GUEST_ASSERT() reports.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "guest_source.h"

/**
 * guest_source_line() - the first line of @file that contains @text
 * @file: a source file, e.g. "guest/tests/hello.c"
 * @text: what the line holds
 *
 * Lines longer than 255 bytes are read in pieces, each counted as a line
 * of its own; guest sources keep to 100 columns.
 *
 * Return: the line number (from 1), 0 when no line holds @text, or
 * -ENOENT when @file cannot be opened.
 */
int guest_source_line(const char *file, const char *text)
{
	char buf[256];
	FILE *f = fopen(file, "r");
	int line = 0, found = 0;

	if (!f)
		return -ENOENT;
	while (!found && fgets(buf, sizeof(buf), f)) {
		line++;
		if (strstr(buf, text))
			found = line;
	}
	fclose(f);
	return found;
}
