#ifndef PUNTOS_CURL_SHIMS_H
#define PUNTOS_CURL_SHIMS_H
#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one typed shim each. */
CURLcode puntos_curl_set_long(CURL *handle, CURLoption option, long value);
CURLcode puntos_curl_set_string(CURL *handle, CURLoption option, const char *value);
CURLcode puntos_curl_set_pointer(CURL *handle, CURLoption option, void *value);
CURLcode puntos_curl_set_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode puntos_curl_set_write_function(CURL *handle, size_t (*function)(char *, size_t, size_t, void *));
CURLcode puntos_curl_set_header_function(CURL *handle, size_t (*function)(char *, size_t, size_t, void *));
CURLcode puntos_curl_set_read_function(CURL *handle, size_t (*function)(char *, size_t, size_t, void *));
CURLcode puntos_curl_get_response_code(CURL *handle, long *code);
#endif
