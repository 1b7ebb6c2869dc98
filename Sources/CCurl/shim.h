#ifndef INLET_CCURL_SHIM_H
#define INLET_CCURL_SHIM_H
#include <curl/curl.h>

/*
 * curl_easy_setopt and curl_easy_getinfo are variadic, and Swift cannot call
 * C variadic functions. Each wrapper below fixes the type of the one argument,
 * which is how libcurl expects it: long, curl_off_t, char *, void *, a
 * struct curl_slist *, or a callback pointer.
 */

/// Runs curl_global_init(CURL_GLOBAL_DEFAULT); call once per process.
static inline CURLcode inlet_curl_global_init(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}

static inline CURLcode inlet_curl_setopt_long(CURL *h, CURLoption o, long v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode inlet_curl_setopt_off_t(CURL *h, CURLoption o, curl_off_t v) {
    return curl_easy_setopt(h, o, v);
}
/// libcurl copies string options (except CURLOPT_POSTFIELDS), so `v` need not outlive the call.
static inline CURLcode inlet_curl_setopt_string(CURL *h, CURLoption o, const char *v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode inlet_curl_setopt_pointer(CURL *h, CURLoption o, void *v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode inlet_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode inlet_curl_setopt_write_function(CURL *h, curl_write_callback f) {
    return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, f);
}
static inline CURLcode inlet_curl_setopt_header_function(CURL *h, curl_write_callback f) {
    return curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, f);
}
static inline CURLcode inlet_curl_setopt_read_function(CURL *h, curl_read_callback f) {
    return curl_easy_setopt(h, CURLOPT_READFUNCTION, f);
}
static inline CURLcode inlet_curl_setopt_xferinfo_function(CURL *h, curl_xferinfo_callback f) {
    return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, f);
}

/// Sends `size` bytes at `data` as the request body, without copying them and
/// without ever falling back to the read callback (which defaults to stdin).
/// The bytes must stay valid until the transfer ends. A NULL `data` (an empty
/// Swift buffer) is replaced by "" so that libcurl still sends
/// `Content-Length: 0` instead of reading the body from the read callback.
static inline CURLcode inlet_curl_setopt_postfields(CURL *h, const void *data, curl_off_t size) {
    static const char empty[1] = {0};
    CURLcode rc = curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, size);
    if (rc != CURLE_OK) return rc;
    return curl_easy_setopt(h, CURLOPT_POSTFIELDS, data != NULL ? data : (const void *)empty);
}

static inline CURLcode inlet_curl_getinfo_long(CURL *h, CURLINFO i, long *out) {
    return curl_easy_getinfo(h, i, out);
}
static inline CURLcode inlet_curl_getinfo_off_t(CURL *h, CURLINFO i, curl_off_t *out) {
    return curl_easy_getinfo(h, i, out);
}
#endif
