#ifndef WEIGHTKIT_CPROTOBUFC_SHIM_H
#define WEIGHTKIT_CPROTOBUFC_SHIM_H
#include <protobuf-c/protobuf-c.h>
#endif
