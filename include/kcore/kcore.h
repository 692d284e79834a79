/* kcore plugin SDK: include this one header to get all of it.
 * See docs/plugin-guide.md. */
#pragma once

#include <kcore/config.h>
#include <kcore/host.h>
#include <kcore/plugin.h>
#include <kcore/store.h>
#include <kcore/scheduler.h>
#include <kcore/client.h>
#include <kcore/informer.h>
#include <kcore/workqueue.h>
#include <kcore/leader-election.h>
#include <kcore/event-recorder.h>
