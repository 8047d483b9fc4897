// run-wasi.mjs: runs one WASI (preview1) module for cocos-cpp's wasm runner (node >= 20).
//   node --no-warnings run-wasi.mjs MODULE DATASETS_DIR RESULTS_DIR [args...]
// The guest sees the host directories as the preopens /cocos/datasets and /cocos/results, and
// DATASETS_DIR / RESULTS_DIR naming them in its environment; argv[0] is the module path.
// Exit status: the guest's exit code (0 when _start returns); 134 when the module traps or
// fails to load; 2 on a usage error.
// node:wasi is not a sandbox (see env.md §7): a symlink to a directory inside a preopen
// escapes it, so this script refuses path_symlink and path_link to the guest. The datasets
// preopen is made read-only with WASI's own capabilities: before the guest's first call, its
// rights (and the rights anything opened under it may inherit) lose every write right, so
// creating, writing, truncating, renaming or removing anything there fails with ENOTCAPABLE
// (uvwasi checks the rights on every call).
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';

const [wasmPath, datasetsDir, resultsDir, ...args] = process.argv.slice(2);
if (!wasmPath || !datasetsDir || !resultsDir) {
  console.error('usage: run-wasi.mjs MODULE DATASETS_DIR RESULTS_DIR [args...]');
  process.exit(2);
}

const wasi = new WASI({
  version: 'preview1',  // required on node 20
  args: [wasmPath, ...args],
  env: { DATASETS_DIR: '/cocos/datasets', RESULTS_DIR: '/cocos/results' },
  preopens: { '/cocos/datasets': datasetsDir, '/cocos/results': resultsDir },
  returnOnExit: true,
});

const ERRNO_PERM = 63;  // wasi_snapshot_preview1 errno "perm"
const DATASETS_FD = 3;  // the first preopen
// wasi_snapshot_preview1 rights that change files or directories.
const WRITE_RIGHTS = [
  0,   // fd_datasync
  4,   // fd_sync
  6,   // fd_write
  8,   // fd_allocate
  9,   // path_create_directory
  10,  // path_create_file
  11,  // path_link_source
  12,  // path_link_target
  16,  // path_rename_source
  17,  // path_rename_target
  19,  // path_filestat_set_size
  20,  // path_filestat_set_times
  22,  // fd_filestat_set_size
  23,  // fd_filestat_set_times
  24,  // path_symlink
  25,  // path_remove_directory
  26,  // path_unlink_file
].reduce((m, bit) => m | (1n << BigInt(bit)), 0n);

const base = wasi.getImportObject().wasi_snapshot_preview1;
let memory = null;  // the guest's exported memory, once instantiated
let datasetsSealed = false;
// Drops the write rights of the datasets preopen, once, at the guest's first WASI call (node
// binds the guest's memory in start(), so nothing can be called earlier). The current rights
// are read with fd_fdstat_get into 24 bytes of guest memory, which are restored at once: the
// guest is not running while its import call is being served.
function sealDatasets() {
  if (datasetsSealed) return;
  datasetsSealed = true;
  const bytes = new Uint8Array(memory.buffer, 0, 24);
  const saved = bytes.slice();
  let rc = base.fd_fdstat_get(DATASETS_FD, 0);
  const view = new DataView(memory.buffer);
  const rightsBase = view.getBigUint64(8, true);
  const rightsInheriting = view.getBigUint64(16, true);
  bytes.set(saved);
  if (rc === 0) {
    rc = base.fd_fdstat_set_rights(DATASETS_FD, rightsBase & ~WRITE_RIGHTS,
                                   rightsInheriting & ~WRITE_RIGHTS);
  }
  if (rc !== 0) {
    console.error(`run-wasi: cannot make the datasets preopen read-only (errno ${rc})`);
    process.exit(134);
  }
}
const sealed = {};
for (const [name, fn] of Object.entries(base)) {
  sealed[name] = (...a) => {
    sealDatasets();
    return fn(...a);
  };
}
const imports = {
  wasi_snapshot_preview1: {
    ...sealed,
    path_symlink: () => ERRNO_PERM,
    path_link: () => ERRNO_PERM,
  },
};

try {
  const module = await WebAssembly.compile(await readFile(wasmPath));
  const instance = await WebAssembly.instantiate(module, imports);
  memory = instance.exports.memory;
  process.exitCode = wasi.start(instance);
} catch (e) {
  console.error(`wasm trap: ${e && e.message ? e.message : e}`);
  process.exitCode = 134;
}
