/* kcore plugin SDK: include this one header to get all of it.
 * See docs/plugin-guide.md. */
#pragma once

#include <kcore/config.h>
#include <kcore/host.h>
#include <kcore/plugin.h>
#include <kcore/store.h>
