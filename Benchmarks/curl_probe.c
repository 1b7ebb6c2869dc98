/* The floor for a custom runtime's cold start on this machine: a C program that only
 * initialises libcurl and sends GET /next. Benchmarks/lambda_startup.py builds it with cc. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    char url[256];
    if (!api) return 1;
    snprintf(url, sizeof url, "http://%s/2018-06-01/runtime/invocation/next", api);
    curl_global_init(CURL_GLOBAL_ALL);
    CURL *curl = curl_easy_init();
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    return 0;
}
