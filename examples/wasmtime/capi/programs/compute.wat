;; What an embedder's own host calls: fib computes, divide traps on zero, and twice calls
;; back into the host (host.double), a host function defined through the C API's linker.
(module
  (import "host" "double" (func $double (param i32) (result i32)))
  (func (export "fib") (param $n i32) (result i32)
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
  (func (export "divide") (param $by i32) (result i32)
    (i32.div_s (i32.const 1000) (local.get $by)))
  (func (export "twice") (param $n i32) (result i32)
    (call $double (call $double (local.get $n)))))
