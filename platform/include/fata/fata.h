/* Includes every platform-neutral Fata header. */
#ifndef FATA_FATA_H
#define FATA_FATA_H

#include <fata/addr.h>
#include <fata/alloc.h>
#include <fata/buf.h>
#include <fata/clock.h>
#include <fata/counter.h>
#include <fata/csum.h>
#include <fata/datagram.h>
#include <fata/entropy.h>
#include <fata/error.h>
#include <fata/flow.h>
#include <fata/fmt.h>
#include <fata/log.h>
#include <fata/loop.h>
#include <fata/netif.h>
#include <fata/promise.h>
#include <fata/stack.h>
#include <fata/trace.h>

#endif
