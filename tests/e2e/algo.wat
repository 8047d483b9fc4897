;; tests/e2e/algo.wat: a WASI (preview1) algorithm for the wasm e2e test, built with wat2wasm.
;; Reads /cocos/datasets/in.txt (preopen fd 3), prints a line on stdout, and writes
;; "wasm saw: <content>" to /cocos/results/out.txt (preopen fd 4). Exit 10/11 when a file
;; cannot be opened, so failures are visible in the run's exit code.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "in.txt")              ;; 6 bytes
  (data (i32.const 8) "out.txt")             ;; 7 bytes
  (data (i32.const 16) "wasm saw: ")         ;; 10 bytes
  (data (i32.const 32) "hello from wasm\n")  ;; 16 bytes
  ;; rights: fd_read = 1<<1, fd_write = 1<<6 (asking for more is ENOTCAPABLE under node).
  ;; 64: iovec {ptr, len}; 72: nwritten/nread; 80: opened fd; 96: second iovec; 1024: buffer
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 64) (local.get $ptr))
    (i32.store (i32.const 68) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 64) (i32.const 1) (i32.const 72))))
  (func (export "_start")
    (local $in i32) (local $out i32) (local $n i32)
    (call $write (i32.const 1) (i32.const 32) (i32.const 16))
    ;; open datasets/in.txt for reading
    (if (call $path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 6) (i32.const 0)
                         (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 80))
      (then (call $proc_exit (i32.const 10))))
    (local.set $in (i32.load (i32.const 80)))
    (i32.store (i32.const 96) (i32.const 1024))
    (i32.store (i32.const 100) (i32.const 4096))
    (drop (call $fd_read (local.get $in) (i32.const 96) (i32.const 1) (i32.const 72)))
    (local.set $n (i32.load (i32.const 72)))
    (drop (call $fd_close (local.get $in)))
    ;; create results/out.txt (oflags CREAT|TRUNC = 1|8)
    (if (call $path_open (i32.const 4) (i32.const 0) (i32.const 8) (i32.const 7) (i32.const 9)
                         (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 80))
      (then (call $proc_exit (i32.const 11))))
    (local.set $out (i32.load (i32.const 80)))
    (call $write (local.get $out) (i32.const 16) (i32.const 10))
    (call $write (local.get $out) (i32.const 1024) (local.get $n))
    (drop (call $fd_close (local.get $out)))))
