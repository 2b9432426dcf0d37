/*
 * fuzz: what megaflower's libFuzzer targets share (tests/fuzz/).
 *
 * Each target defines LLVMFuzzerTestOneInput() and is built twice: with
 * clang and -fsanitize=fuzzer,address,undefined for 'make fuzz', and with
 * the project's compiler and fuzz-replay.c's main() for 'make check',
 * which replays the target's corpus and every crash input ever found
 * (tests/fuzz/corpus/TARGET/, tests/fuzz/regress/TARGET/).
 */
#ifndef FUZZ_H
#define FUZZ_H 1

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* fuzz.h */
