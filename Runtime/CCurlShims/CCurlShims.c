#include "CCurlShims.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static struct {
    void *library;
    char error[256];
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    void (*easy_reset)(CURL *);
    CURLcode (*easy_perform)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} curl;

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
    curl.library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!curl.library) curl.library = dlopen("libcurl.so", RTLD_NOW | RTLD_LOCAL);
    if (!curl.library) {
        snprintf(curl.error, sizeof curl.error, "cannot load libcurl (install libcurl4): %s", dlerror());
        return;
    }
#define RESOLVE(field, symbol) *(void **)(&curl.field) = dlsym(curl.library, #symbol)
    RESOLVE(global_init, curl_global_init);
    RESOLVE(easy_init, curl_easy_init);
    RESOLVE(easy_cleanup, curl_easy_cleanup);
    RESOLVE(easy_reset, curl_easy_reset);
    RESOLVE(easy_perform, curl_easy_perform);
    RESOLVE(easy_strerror, curl_easy_strerror);
    RESOLVE(easy_setopt, curl_easy_setopt);
    RESOLVE(easy_getinfo, curl_easy_getinfo);
    RESOLVE(slist_append, curl_slist_append);
    RESOLVE(slist_free_all, curl_slist_free_all);
#undef RESOLVE
    if (!curl.global_init || !curl.easy_init || !curl.easy_cleanup || !curl.easy_reset || !curl.easy_perform ||
        !curl.easy_strerror || !curl.easy_setopt || !curl.easy_getinfo || !curl.slist_append || !curl.slist_free_all) {
        snprintf(curl.error, sizeof curl.error, "libcurl lacks a function Puntos needs");
        curl.library = NULL;
        return;
    }
    curl.global_init(CURL_GLOBAL_DEFAULT);
}

int puntos_curl_load(char *message, size_t message_size) {
    pthread_once(&once, load);
    if (!curl.library && message && message_size) snprintf(message, message_size, "%s", curl.error);
    return curl.library != NULL;
}

CURLcode puntos_curl_global_init(long flags) { (void)flags; return puntos_curl_load(NULL, 0) ? CURLE_OK : CURLE_FAILED_INIT; }
CURL *puntos_curl_easy_init(void) { return puntos_curl_load(NULL, 0) ? curl.easy_init() : NULL; }
void puntos_curl_easy_cleanup(CURL *handle) { if (handle) curl.easy_cleanup(handle); }
void puntos_curl_easy_reset(CURL *handle) { curl.easy_reset(handle); }
CURLcode puntos_curl_easy_perform(CURL *handle) { return curl.easy_perform(handle); }
const char *puntos_curl_easy_strerror(CURLcode code) { return curl.easy_strerror ? curl.easy_strerror(code) : "libcurl is not loaded"; }
struct curl_slist *puntos_curl_slist_append(struct curl_slist *list, const char *string) { return curl.slist_append(list, string); }
void puntos_curl_slist_free_all(struct curl_slist *list) { if (list) curl.slist_free_all(list); }

CURLcode puntos_curl_set_long(CURL *handle, CURLoption option, long value) { return curl.easy_setopt(handle, option, value); }
CURLcode puntos_curl_set_string(CURL *handle, CURLoption option, const char *value) { return curl.easy_setopt(handle, option, value); }
CURLcode puntos_curl_set_pointer(CURL *handle, CURLoption option, void *value) { return curl.easy_setopt(handle, option, value); }
CURLcode puntos_curl_set_slist(CURL *handle, CURLoption option, struct curl_slist *value) { return curl.easy_setopt(handle, option, value); }
CURLcode puntos_curl_set_write_function(CURL *handle, size_t (*function)(char *, size_t, size_t, void *)) {
    return curl.easy_setopt(handle, CURLOPT_WRITEFUNCTION, function);
}
CURLcode puntos_curl_set_header_function(CURL *handle, size_t (*function)(char *, size_t, size_t, void *)) {
    return curl.easy_setopt(handle, CURLOPT_HEADERFUNCTION, function);
}
CURLcode puntos_curl_set_read_function(CURL *handle, size_t (*function)(char *, size_t, size_t, void *)) {
    return curl.easy_setopt(handle, CURLOPT_READFUNCTION, function);
}
CURLcode puntos_curl_get_response_code(CURL *handle, long *code) { return curl.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, code); }
