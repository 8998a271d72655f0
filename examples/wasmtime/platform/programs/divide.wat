;; Traps on zero: Cranelift's zero check is an illegal instruction, a SIGILL that the host's
;; handler gives to Wasmtime.
(module
  (func (export "run") (param $by i32) (result i32)
    (i32.div_s (i32.const 1000) (local.get $by))))
