#ifndef CELF_SHIM_H
#define CELF_SHIM_H
#include <libelf.h>
#include <gelf.h>
#endif
