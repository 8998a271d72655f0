;; Computes fib(0..30) iteratively and prints the last, in decimal: the runtime computes.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $fib (param $n i32) (result i32)
    (local $a i32) (local $b i32) (local $t i32)
    (local.set $b (i32.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $t (i32.add (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $a))
  ;; writes the digits of $v backwards from byte 63, a newline at 64; returns the first digit's address
  (func $decimal (param $v i32) (result i32)
    (local $at i32)
    (i32.store8 (i32.const 64) (i32.const 10))
    (local.set $at (i32.const 64))
    (loop $digit
      (local.set $at (i32.sub (local.get $at) (i32.const 1)))
      (i32.store8 (local.get $at)
        (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
      (br_if $digit (local.get $v)))
    (local.get $at))
  (func (export "_start")
    (local $first i32)
    (local.set $first (call $decimal (call $fib (i32.const 30))))
    (i32.store (i32.const 0) (local.get $first))
    (i32.store (i32.const 4) (i32.sub (i32.const 65) (local.get $first)))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
