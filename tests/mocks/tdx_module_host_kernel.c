// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Kernel glue of the mock TDX module: real pages have no arena behind them,
 * so ownership is only in the model's own PAMT (tdx_module_page_owned()).
 */
#include "tdx_module_host.h"

/**
 * tdx_module_host_set_owned() - tell the host the module took or released a page
 * @page: the page
 * @owned: true when the module took it
 */
void tdx_module_host_set_owned(struct page *page, bool owned)
{
	(void)page;
	(void)owned;
}
