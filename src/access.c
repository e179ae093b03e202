/*
 * access.c - the process-wide part of deciding which libraries may be opened.
 *
 * allowLibraries() narrows what every copy of ArkFFI's JS layer in the process may open: the
 * main thread's and each worker thread's, which have their own module instances and so their
 * own JS state. The lists therefore live here, in the addon, which the process loads once.
 *
 * Invariant: the lists only grow and are never freed or changed. A file may be opened when
 * every list holds an entry that covers it, so appending a list can only narrow what is
 * allowed, and no order of appends from racing threads can widen it. Each list is kept as the
 * JS layer encoded it (one string); the JS layer does the matching.
 *
 * realPath() is here too: following symlinks must not depend on what the permission model lets
 * JS stat, or a link in an allowed directory could name a denied file and be judged by its own
 * path.
 */
#include "arkffi.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t lists_lock = PTHREAD_MUTEX_INITIALIZER;
static char **lists;
static size_t list_count;

/* Appends `list` unless an identical one is there already; false when out of memory. */
static bool lists_append(char *list) {
  bool ok = true;
  pthread_mutex_lock(&lists_lock);
  size_t i = 0;
  while (i < list_count && strcmp(lists[i], list) != 0)
    i++;
  if (i < list_count) {
    free(list);
  } else {
    char **grown = realloc(lists, (list_count + 1) * sizeof *lists);
    if (grown == NULL) {
      free(list);
      ok = false;
    } else {
      lists = grown;
      lists[list_count++] = list;
    }
  }
  pthread_mutex_unlock(&lists_lock);
  return ok;
}

/* narrowLibraries(list: string): adds an allow list (encoded by the JS layer) to those in force
 * in the whole process. */
napi_value ak_js_narrow_libraries(napi_env env, napi_callback_info info) {
  char *list = ak_string_arg(env, info, "the allow list");
  if (list == NULL) return NULL;
  if (!lists_append(list)) ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "out of memory");
  return NULL;
}

/* libraryLimits() -> string[]: the allow lists in force in the process, oldest first. */
napi_value ak_js_library_limits(napi_env env, napi_callback_info info) {
  /* The strings never change once appended, but realloc may move the array: copy the pointers
   * under the lock, then make JS strings without it. */
  pthread_mutex_lock(&lists_lock);
  size_t count = list_count;
  char **snapshot = malloc((count > 0 ? count : 1) * sizeof *snapshot);
  if (snapshot != NULL && count > 0) memcpy(snapshot, lists, count * sizeof *snapshot);
  pthread_mutex_unlock(&lists_lock);
  if (snapshot == NULL) {
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "out of memory");
    return NULL;
  }
  napi_value out = NULL;
  if (ak_failed(env, napi_create_array_with_length(env, count, &out))) out = NULL;
  for (size_t i = 0; out != NULL && i < count; i++) {
    napi_value text;
    if (ak_failed(env, napi_create_string_utf8(env, snapshot[i], NAPI_AUTO_LENGTH, &text)) ||
        ak_failed(env, napi_set_element(env, out, (uint32_t)i, text)))
      out = NULL;
  }
  free(snapshot);
  return out;
}

/* realPath(path: string) -> string | null: the path with every symlink followed, by the C
 * library, or null when it does not exist. Other failures throw. */
napi_value ak_js_real_path(napi_env env, napi_callback_info info) {
  char *path = ak_string_arg(env, info, "the path");
  if (path == NULL) return NULL;
  char *resolved = realpath(path, NULL);
  int err = errno;
  napi_value out = NULL;
  if (resolved != NULL) {
    if (ak_failed(env, napi_create_string_utf8(env, resolved, NAPI_AUTO_LENGTH, &out))) out = NULL;
  } else if (err == ENOENT || err == ENOTDIR) {
    ak_failed(env, napi_get_null(env, &out));
  } else {
    ak_throw(env, "Error", "ERR_ARKFFI_ACCESS_DENIED", "cannot resolve %s: %s", path,
             strerror(err));
  }
  free(resolved);
  free(path);
  return out;
}
