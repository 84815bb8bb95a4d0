#ifndef ONEGO_CJSONC_SHIM_H
#define ONEGO_CJSONC_SHIM_H
#include <json-c/json.h>
#endif
