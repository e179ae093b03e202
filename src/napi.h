/*
 * napi.h - the Node-API header of the host. Node.js (and Bun and Deno) ship `node_api.h`;
 * OpenHarmony's NDK ships the same API as `napi/native_api.h` (docs/openharmony.md). The core
 * uses only the functions both export (ohos/libnapi.ndk.json, checked by
 * scripts/check-ohos-napi.mjs).
 */
#ifndef ARKFFI_NAPI_H
#define ARKFFI_NAPI_H

#if defined(__OHOS__)
#include <napi/native_api.h>
#else
#include <node_api.h>
#endif

#endif
