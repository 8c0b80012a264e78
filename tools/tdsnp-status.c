// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * tdsnp-status: decode TDX statuses, SEV-SNP return codes and tdsnp
 * software statuses from the command line, one line per value.
 *
 *   tdsnp-status 0x8000020000000000
 *   tdsnp-status --snp 3 0x8000ff0000000006
 *
 * Every value is parsed before anything is printed, so a malformed one
 * (exit 2) produces no partial output.  Unknown values are not errors.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <tdsnp/status.h>

#define EXIT_USAGE	2

#define USAGE_LINE	"usage: tdsnp-status [-s|--snp] [-v|--verbose] VALUE...\n"

static void usage_error(void)
{
	fputs(USAGE_LINE "Try 'tdsnp-status -h' for more information.\n", stderr);
}

static void usage(void)
{
	fputs(USAGE_LINE
	      "Decode each VALUE (hex with 0x, or decimal), one line each.\n"
	      "  -s, --snp      values are SEV-SNP RMP instruction return codes (EAX)\n"
	      "                 instead of TDX statuses (SEAMCALL/TDCALL RAX)\n"
	      "  -v, --verbose  also print the spec sheet's meaning of TDX codes\n"
	      "  -h, --help     print this help\n"
	      "tdsnp software statuses (TDSNP_SW_*) are decoded in both modes.\n"
	      "Exit status: 0 if every VALUE parsed (known or not), 2 otherwise.\n",
	      stdout);
}

/* Hex with a 0x prefix or decimal; no sign, no spaces, no octal. */
static int parse_value(const char *s, u64 *out)
{
	unsigned long long v;
	int base = 10;
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	/* strtoull() would accept leading space, a sign and a bare "0x". */
	if (!(base == 16 ? isxdigit((unsigned char)s[0]) : isdigit((unsigned char)s[0])))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

static int print_value(u64 value, bool snp, bool verbose)
{
	const struct tdx_status_entry *e;
	const struct tdx_operand_entry *o;
	char *buf;
	int n;

	n = snp ? snp_ret_describe(value, NULL, 0) :
		  tdsnp_status_describe(value, NULL, 0);
	buf = malloc((size_t)n + 1);
	if (!buf)
		return -ENOMEM;
	if (snp)
		snp_ret_describe(value, buf, (size_t)n + 1);
	else
		tdsnp_status_describe(value, buf, (size_t)n + 1);
	puts(buf);
	free(buf);

	if (!verbose || snp || tdsnp_status_is_sw(value))
		return 0;
	e = tdx_status_lookup(value);
	if (!e)
		return 0;
	printf("    %s\n", e->meaning);
	if (e->details == TDX_DETAILS_OPERAND_ID) {
		o = tdx_operand_lookup(tdx_status_details(value));
		if (o)
			printf("    operand %s: %s\n", o->name, o->meaning);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "snp", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool snp = false, verbose = false;
	u64 *values;
	int i, n, c;

	while ((c = getopt_long(argc, argv, "svh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			snp = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage();
			return EXIT_SUCCESS;
		default:
			usage_error();
			return EXIT_USAGE;
		}
	}

	n = argc - optind;
	if (n <= 0) {
		fprintf(stderr, "tdsnp-status: no value given\n");
		usage_error();
		return EXIT_USAGE;
	}

	values = calloc((size_t)n, sizeof(*values));
	if (!values) {
		perror("tdsnp-status");
		return EXIT_FAILURE;
	}
	for (i = 0; i < n; i++) {
		if (parse_value(argv[optind + i], &values[i])) {
			fprintf(stderr, "tdsnp-status: not a number: '%s'\n",
				argv[optind + i]);
			usage_error();
			free(values);
			return EXIT_USAGE;
		}
		/* RMP instructions return EAX (snp.md 2.4); only our own statuses are wider. */
		if (snp && values[i] > 0xffffffffULL && !tdsnp_status_is_sw(values[i])) {
			fprintf(stderr, "tdsnp-status: not a 32-bit SNP return code: '%s'\n",
				argv[optind + i]);
			usage_error();
			free(values);
			return EXIT_USAGE;
		}
	}

	for (i = 0; i < n; i++) {
		if (print_value(values[i], snp, verbose)) {
			perror("tdsnp-status");
			free(values);
			return EXIT_FAILURE;
		}
	}
	free(values);
	/* Output that could not be written is a failure, not a silent success. */
	if (fflush(stdout) || ferror(stdout)) {
		perror("tdsnp-status: stdout");
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
