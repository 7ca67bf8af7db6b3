#ifndef PUNTOS_CURL_SHIMS_H
#define PUNTOS_CURL_SHIMS_H
#include <curl/curl.h>

/* libcurl is loaded with dlopen on first use, not at process start: a cold function that sends
 * nothing does not pay for loading libcurl and the dozen libraries it links (a few milliseconds).
 * Every libcurl call goes through these shims, which also give Swift typed versions of the
 * variadic curl_easy_setopt and curl_easy_getinfo. */

/* Loads libcurl once; returns 0 and fills `message` when it cannot. */
int puntos_curl_load(char *message, size_t message_size);

CURLcode puntos_curl_global_init(long flags);
CURL *puntos_curl_easy_init(void);
void puntos_curl_easy_cleanup(CURL *handle);
void puntos_curl_easy_reset(CURL *handle);
CURLcode puntos_curl_easy_perform(CURL *handle);
const char *puntos_curl_easy_strerror(CURLcode code);
struct curl_slist *puntos_curl_slist_append(struct curl_slist *list, const char *string);
void puntos_curl_slist_free_all(struct curl_slist *list);

CURLcode puntos_curl_set_long(CURL *handle, CURLoption option, long value);
CURLcode puntos_curl_set_string(CURL *handle, CURLoption option, const char *value);
CURLcode puntos_curl_set_pointer(CURL *handle, CURLoption option, void *value);
CURLcode puntos_curl_set_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode puntos_curl_set_write_function(CURL *handle, size_t (*function)(char *, size_t, size_t, void *));
CURLcode puntos_curl_set_header_function(CURL *handle, size_t (*function)(char *, size_t, size_t, void *));
CURLcode puntos_curl_set_read_function(CURL *handle, size_t (*function)(char *, size_t, size_t, void *));
CURLcode puntos_curl_get_response_code(CURL *handle, long *code);
#endif
