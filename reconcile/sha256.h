/* SPDX-License-Identifier: MIT */
/* SHA-256 (FIPS 180-4), for the digest of a desired-state file in a saved plan. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX_LEN 65 /* 64 hex digits and NUL */

/* The digest of data[0..len) as lowercase hex into hex. */
void sha256_hex(const void *data, size_t len, char hex[SHA256_HEX_LEN]);
