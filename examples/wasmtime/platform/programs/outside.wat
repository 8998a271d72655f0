;; Reads past the end of its one page: no bounds check in the code (the memory sits in a large
;; reservation of virtual memory), the access hits a guard page, a SIGSEGV that the host's
;; handler gives to Wasmtime.
(module
  (memory 1)
  (func (export "run") (param $at i32) (result i32)
    (i32.load (local.get $at))))
