// run-wasi.mjs: runs one WASI (preview1) module for cocos-cpp's wasm runner (node >= 20).
//   node --no-warnings run-wasi.mjs MODULE DATASETS_DIR RESULTS_DIR [args...]
// The guest sees the host directories as the preopens /cocos/datasets and /cocos/results, and
// DATASETS_DIR / RESULTS_DIR naming them in its environment; argv[0] is the module path.
// Exit status: the guest's exit code (0 when _start returns); 134 when the module traps or
// fails to load; 2 on a usage error.
// node:wasi is not a sandbox (see env.md §7): a symlink to a directory inside a preopen
// escapes it, so this script refuses path_symlink and path_link to the guest. Preopens cannot
// be read-only here; the datasets copy is the computation's own and deleted after the run.
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
const base = wasi.getImportObject().wasi_snapshot_preview1;
const imports = {
  wasi_snapshot_preview1: {
    ...base,
    path_symlink: () => ERRNO_PERM,
    path_link: () => ERRNO_PERM,
  },
};

try {
  const module = await WebAssembly.compile(await readFile(wasmPath));
  const instance = await WebAssembly.instantiate(module, imports);
  process.exitCode = wasi.start(instance);
} catch (e) {
  console.error(`wasm trap: ${e && e.message ? e.message : e}`);
  process.exitCode = 134;
}
