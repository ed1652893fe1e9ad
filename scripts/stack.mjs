// The local stack: builds the Temporal dev server and FerretDB from Go modules once, then runs them as
// child processes. Plain Node ESM with no dependencies at import time, so it works before `npm ci`.
// This file is the stack's public entry point (types in stack.d.mts); the code lives in scripts/stack/:
//   log.mjs        ROOT, the JSON-line logger, small shared helpers
//   go-builds.mjs  the Go builds of the Temporal CLI and the patched FerretDB launcher into .local/bin
//   children.mjs   child processes (spawn, stop, the exit hook that kills them) and ports
//   servers.mjs    starting Temporal and FerretDB, and the throwaway stack for tests and benchmarks
//   codec-key.mjs  the payload codec's key and the Temporal UI's codec token (kept in .data, or throwaway)
export { ROOT, logger } from './stack/log.mjs';
export { ensureBinaries, temporalBinary } from './stack/go-builds.mjs';
export { PortInUseError, assertPortFree, freePort, liveChildren, spawnChild, stopAll, waitForPort } from './stack/children.mjs';
export { SEARCH_ATTRIBUTES, startEphemeralStack, startFerretDB, startTemporal, stopEphemeralStack } from './stack/servers.mjs';
export { codecEnv, ensureCodecKey, ensureCodecUiToken, newCodecKey, newCodecUiToken } from './stack/codec-key.mjs';
