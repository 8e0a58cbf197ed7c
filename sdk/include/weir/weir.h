/* weir plugin SDK: include this one header. */
#ifndef WEIR_WEIR_H
#define WEIR_WEIR_H
#include "errors.h"
#include "plugin.h"
#include "transport.h"
#include "reporter.h"
#endif
