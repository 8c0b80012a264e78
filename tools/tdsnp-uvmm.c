// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * tdsnp-uvmm: the user-mode VMM example (tools/uvmm.c) on the in-process
 * transport and the mock platform.  Runs a guest image file through the
 * ABI only (a guest/ TD image such as build/guest/hello.bin or
 * build/guest/crb.bin on tdx_host, the default; a guest/snp_tests image such
 * as build/guest/snp_crb.bin on snp_host or snp_vmpl; a flat L2 program
 * such as build/guest/l2_smp.bin on tdx_l2, each vCPU on an L1 vCPU of its
 * own) and prints what each vCPU wrote to its serial port and reported by
 * ucall.
 *
 *   tdsnp-uvmm [--backend tdx_host|snp_host|snp_vmpl|tdx_l2] IMAGE [NR_VCPUS]
 *
 * Exit status: 0 when the guest ran to its end and nothing leaked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uvmm.h"

static u8 image[0x10000];

int main(int argc, char **argv)
{
	struct uvmm_guest g = { .image = image, .nr_vcpus = 1 };
	struct tdsnp_client *c = NULL;
	struct uabi_dev *dev = NULL;
	struct uvmm_out *out;
	FILE *f;
	int ret, backend = VMM_BACKEND_TDX_HOST, a = 1;
	u32 i, j;

	if (argc > 2 && !strcmp(argv[1], "--backend")) {
		backend = uvmm_backend_by_name(argv[2]);
		a = 3;
	}
	if (backend < 0 || argc - a < 1 || argc - a > 2) {
		fprintf(stderr,
			"usage: %s [--backend tdx_host|snp_host|snp_vmpl|tdx_l2] IMAGE [NR_VCPUS]\n",
			argv[0]);
		return 2;
	}
	if (argc - a == 2)
		g.nr_vcpus = (u32)strtoul(argv[a + 1], NULL, 0);
	f = fopen(argv[a], "rb");
	if (!f) {
		perror(argv[a]);
		return 1;
	}
	g.size = fread(image, 1, sizeof(image), f);
	fclose(f);
	out = calloc(1, sizeof(*out));
	if (!out)
		return 1;
	ret = uvmm_platform_up_backend((u32)backend, &dev);
	if (!ret)
		ret = tdsnp_client_inproc(dev, &c);
	if (!ret)
		ret = uvmm_run(c, (u32)backend, &g, out);
	for (i = 0; !ret && i < g.nr_vcpus; i++) {
		printf("vCPU %u serial: %s", i, out->serial[i]);
		if (out->serial[i][0] && out->serial[i][strlen(out->serial[i]) - 1] != '\n')
			printf("\n");
		for (j = 0; j < out->nr_ucalls[i]; j++)
			printf("vCPU %u ucall: 0x%llx\n", i, (unsigned long long)out->ucalls[i][j]);
		if (out->assert_line[i])
			printf("vCPU %u assert: %s:%u\n", i, out->assert_file[i],
			       out->assert_line[i]);
		printf("vCPU %u ended: exit %u status %lld\n", i, out->last_exit[i],
		       (long long)out->last_status[i]);
	}
	printf("serial port accesses %u, CRB accesses %u\n", out->io_events, out->mmio_events);
	tdsnp_client_close(c);
	if (dev) {
		if (uabi_dev_live(dev)) {
			fprintf(stderr, "%u objects leaked\n", uabi_dev_live(dev));
			ret = ret ? ret : -1;
		}
		uvmm_platform_down(dev);
	}
	free(out);
	if (ret)
		fprintf(stderr, "tdsnp-uvmm: %s\n", strerror(-ret));
	return ret ? 1 : 0;
}
