;; Divides by zero: a wasm trap, which the CLI reports as an error, not a crash of its own.
(module
  (func $divide (param i32) (result i32)
    (i32.div_s (i32.const 1) (local.get 0)))
  (func (export "_start")
    (drop (call $divide (i32.const 0)))))
