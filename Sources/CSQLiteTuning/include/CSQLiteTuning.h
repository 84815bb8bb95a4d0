#ifndef ONEGO_CSQLITETUNING_H
#define ONEGO_CSQLITETUNING_H

/// Process-wide SQLite settings that Swift cannot make itself (`sqlite3_config` is variadic).
///
/// Turns off SQLite's memory statistics (SQLITE_CONFIG_MEMSTATUS): with them on, every allocation
/// and free inside SQLite takes a global mutex and updates counters. OneGo reads none of them
/// (no soft heap limit, no `sqlite3_memory_used`). Must run before SQLite initializes, that is
/// before the first connection opens; returns SQLite's result code (SQLITE_MISUSE once SQLite
/// is already initialized, when the setting keeps its default and nothing else changes).
int onego_sqlite_configure(void);

#endif
