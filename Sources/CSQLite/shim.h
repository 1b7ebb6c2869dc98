#ifndef INLET_CSQLITE_SHIM_H
#define INLET_CSQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro casting -1 to a function pointer; Swift cannot import it.
/// These bind text and blobs that SQLite copies before returning.
static inline int inlet_sqlite3_bind_text_transient(sqlite3_stmt *s, int index, const char *text, int length) {
    return sqlite3_bind_text(s, index, text, length, SQLITE_TRANSIENT);
}
static inline int inlet_sqlite3_bind_blob_transient(sqlite3_stmt *s, int index, const void *bytes, int length) {
    return sqlite3_bind_blob(s, index, bytes, length, SQLITE_TRANSIENT);
}
/// SQLITE_STATIC: the caller keeps the bytes alive and unchanged until the next step or reset.
static inline int inlet_sqlite3_bind_text_static(sqlite3_stmt *s, int index, const char *text, int length) {
    return sqlite3_bind_text(s, index, text, length, SQLITE_STATIC);
}
#endif
