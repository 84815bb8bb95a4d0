#ifndef ONEGO_CNATIVE_H
#define ONEGO_CNATIVE_H

#include <stddef.h>
#include <stdint.h>

// The little C that Swift cannot express: SQLite's process-wide settings and the SHA-256 block
// function on the x86 SHA extensions.

/// Process-wide SQLite settings that Swift cannot make itself (`sqlite3_config` is variadic).
///
/// Turns off SQLite's memory statistics (SQLITE_CONFIG_MEMSTATUS): with them on, every allocation
/// and free inside SQLite takes a global mutex and updates counters. OneGo reads none of them
/// (no soft heap limit, no `sqlite3_memory_used`). Must run before SQLite initializes, that is
/// before the first connection opens; returns SQLite's result code (SQLITE_MISUSE once SQLite
/// is already initialized, when the setting keeps its default and nothing else changes).
int onego_sqlite_configure(void);

/// Whether this processor has the x86 SHA extensions (and SSSE3, SSE4.1) for
/// `onego_sha256_blocks`: 1 or 0. Always 0 elsewhere.
int onego_sha256_accelerated(void);

/// Runs the SHA-256 block function over `blocks` 64-byte blocks at `data`, updating `state`
/// (the eight working words a…h). Only call it when `onego_sha256_accelerated()` is 1.
void onego_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
