/* A small embedder of Wasmtime's C API, linked against one stage's libwasmtime:
 *   host compile [--winch] MODULE.wat OUT.cwasm
 *                     a library with a compiler and wat (else exit 2); --winch: Winch compiles
 *   host call MODULE.cwasm EXPORT ARG [OTHER.cwasm...]
 *                     prints the i32 result; a trap prints "trap: CODE MESSAGE" and exits 1.
 *                     A library refuses a module compiled for another compiler's calling
 *                     convention (Winch's and Cranelift's differ): the OTHER modules, the same
 *                     program compiled otherwise, are tried in turn.
 * The module is instantiated through a linker that defines one host function, host.double:
 * the page says the C API keeps Cranelift because host functions need it, and the minimal
 * stages call this one without it.
 * Any other error prints "error: MESSAGE" and exits 2.
 * A compiled module records its engine's settings, and an engine loads only modules compiled
 * for its own: every engine here has off what the minimal library lacks (GC and the proposals
 * built on it, the component model, threads), so the full library's modules run on the
 * minimal one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasmtime.h>

/* The compiler's entry points are weak: a library built without Cranelift (or wat) lacks
 * them, and the host still links against it and runs precompiled modules. */
#pragma weak wasmtime_wat2wasm
#pragma weak wasmtime_module_new
#pragma weak wasmtime_module_serialize
#pragma weak wasmtime_config_strategy_set
/* So are the settings that a minimal library may not have built in. */
#pragma weak wasmtime_config_gc_support_set
#pragma weak wasmtime_config_concurrency_support_set
#pragma weak wasmtime_config_wasm_threads_set
#pragma weak wasmtime_config_wasm_exceptions_set
#pragma weak wasmtime_config_wasm_gc_set
#pragma weak wasmtime_config_wasm_function_references_set
#pragma weak wasmtime_config_wasm_reference_types_set
#pragma weak wasmtime_config_wasm_component_model_set
#pragma weak wasmtime_config_wasm_stack_switching_set

static int fail(const char *what, wasmtime_error_t *error, wasm_trap_t *trap) {
  wasm_byte_vec_t message = {0, NULL};
  if (trap != NULL) {
    wasmtime_trap_code_t code = 255;
    int known = wasmtime_trap_code(trap, &code);
    wasm_trap_message(trap, &message);
    printf("trap: %d %.*s\n", known ? (int)code : -1, (int)message.size, message.data);
    wasm_byte_vec_delete(&message);
    wasm_trap_delete(trap);
    return 1;
  }
  if (error != NULL) {
    wasmtime_error_message(error, &message);
    wasmtime_error_delete(error);
  }
  fprintf(stderr, "error: %s: %.*s\n", what, (int)message.size, message.data);
  wasm_byte_vec_delete(&message);
  return 2;
}

static int read_file(const char *path, wasm_byte_vec_t *bytes) {
  FILE *file = fopen(path, "rb");
  if (file == NULL) return 0;
  fseek(file, 0, SEEK_END);
  long size = ftell(file);
  fseek(file, 0, SEEK_SET);
  wasm_byte_vec_new_uninitialized(bytes, (size_t)size);
  size_t got = fread(bytes->data, 1, (size_t)size, file);
  fclose(file);
  return got == (size_t)size;
}

static int compile(wasm_engine_t *engine, const char *source, const char *output) {
  wasm_byte_vec_t wat, wasm, compiled;
  if (!read_file(source, &wat)) return fail(source, NULL, NULL);
  wasmtime_error_t *error = wasmtime_wat2wasm(wat.data, wat.size, &wasm);
  if (error != NULL) return fail("wat2wasm", error, NULL);
  wasmtime_module_t *module = NULL;
  error = wasmtime_module_new(engine, (uint8_t *)wasm.data, wasm.size, &module);
  if (error != NULL) return fail("compile", error, NULL);
  error = wasmtime_module_serialize(module, &compiled);
  if (error != NULL) return fail("serialize", error, NULL);
  FILE *file = fopen(output, "wb");
  if (file == NULL || fwrite(compiled.data, 1, compiled.size, file) != compiled.size)
    return fail(output, NULL, NULL);
  fclose(file);
  return 0;
}

static wasm_trap_t *double_it(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args,
                              size_t nargs, wasmtime_val_t *results, size_t nresults) {
  (void)env, (void)caller, (void)nargs, (void)nresults;
  results[0].kind = WASMTIME_I32;
  results[0].of.i32 = args[0].of.i32 * 2;
  return NULL;
}

/* The first of the modules this engine accepts, or NULL once every one was refused. */
static wasmtime_module_t *first_accepted(wasm_engine_t *engine, char **paths, int count) {
  for (int i = 0; i < count; i++) {
    wasm_byte_vec_t cwasm;
    if (!read_file(paths[i], &cwasm)) {
      fail(paths[i], NULL, NULL);
      continue;
    }
    wasmtime_module_t *module = NULL;
    wasmtime_error_t *error =
        wasmtime_module_deserialize(engine, (uint8_t *)cwasm.data, cwasm.size, &module);
    wasm_byte_vec_delete(&cwasm);
    if (error == NULL) return module;
    fail(paths[i], error, NULL);
  }
  return NULL;
}

static int call(wasm_engine_t *engine, char **paths, int count, const char *name, int32_t arg) {
  wasmtime_module_t *module = first_accepted(engine, paths, count);
  if (module == NULL) return 2;
  wasmtime_error_t *error = NULL;
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_context_t *context = wasmtime_store_context(store);
  wasmtime_linker_t *linker = wasmtime_linker_new(engine);
  wasm_functype_t *doubling = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  error = wasmtime_linker_define_func(linker, "host", 4, "double", 6, doubling, double_it, NULL,
                                      NULL);
  wasm_functype_delete(doubling);
  if (error != NULL) return fail("define host.double", error, NULL);
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  error = wasmtime_linker_instantiate(linker, context, module, &instance, &trap);
  if (error != NULL || trap != NULL) return fail("instantiate", error, trap);
  wasmtime_extern_t export;
  if (!wasmtime_instance_export_get(context, &instance, name, strlen(name), &export) ||
      export.kind != WASMTIME_EXTERN_FUNC)
    return fail(name, NULL, NULL);
  wasmtime_val_t params[1], results[1];
  params[0].kind = WASMTIME_I32;
  params[0].of.i32 = arg;
  error = wasmtime_func_call(context, &export.of.func, params, 1, results, 1, &trap);
  if (error != NULL || trap != NULL) return fail("call", error, trap);
  printf("%d\n", results[0].of.i32);
  wasmtime_linker_delete(linker);
  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  return 0;
}

/* Off, where the library has the setting: what a minimal library lacks, so that a module
 * compiled by the full library asks for none of it. */
#define OFF(setting) \
  if (wasmtime_config_##setting##_set != NULL) wasmtime_config_##setting##_set(config, false)

static wasm_engine_t *engine_new(bool winch) {
  wasm_config_t *config = wasm_config_new();
  if (winch) wasmtime_config_strategy_set(config, WASMTIME_STRATEGY_WINCH);
  OFF(gc_support);
  OFF(concurrency_support);
  OFF(wasm_threads);
  OFF(wasm_exceptions);
  OFF(wasm_gc);
  OFF(wasm_function_references);
  OFF(wasm_reference_types);
  OFF(wasm_component_model);
  OFF(wasm_stack_switching);
  return wasm_engine_new_with_config(config);
}

int main(int argc, char **argv) {
  bool winch = argc == 5 && strcmp(argv[1], "compile") == 0 && strcmp(argv[2], "--winch") == 0;
  if ((argc == 4 || winch) && strcmp(argv[1], "compile") == 0) {
    if (wasmtime_module_new == NULL || wasmtime_wat2wasm == NULL) {
      fprintf(stderr, "error: this library has no compiler (or no wat)\n");
      return 2;
    }
    return compile(engine_new(winch), argv[argc - 2], argv[argc - 1]);
  }
  if (argc >= 5 && strcmp(argv[1], "call") == 0) {
    char *modules[argc - 4];
    modules[0] = argv[2];
    for (int i = 5; i < argc; i++) modules[i - 4] = argv[i];
    return call(engine_new(false), modules, argc - 4, argv[3], (int32_t)atoi(argv[4]));
  }
  fprintf(stderr, "usage: host compile [--winch] MODULE.wat OUT.cwasm | "
                  "host call MODULE.cwasm EXPORT ARG [OTHER.cwasm...]\n");
  return 2;
}
