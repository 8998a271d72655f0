"""The probe that measures a staticlib's effective size (source only; linking is in e2e)."""

from __future__ import annotations

from minbuild.measure.libsize import probe_source


def test_probe_keeps_every_export_reachable() -> None:
    source = probe_source(["tvm_eval", "tvm_run"])
    assert "extern void tvm_eval(void);\nextern void tvm_run(void);\n" in source
    assert "void (*volatile const keep[])(void) = {tvm_eval, tvm_run};" in source
    assert "int main(void) { return keep[0] == 0; }" in source
