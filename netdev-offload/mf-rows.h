/*
 * mf-rows: which rows of a field table a struct's nonzero words touch.
 *
 * megaflower's field tables (mf_flower_fields[], mf-xlate-field's xlate_fields[])
 * describe each field once by its offset and size in a struct.  A mask is
 * mostly zeros, so instead of testing every row against it, an index tells
 * for each 8-byte word of the struct which rows have a byte in it: one pass
 * over the words gives the few rows worth a look.  A table has at most
 * MF_ROWS_MAX rows; the struct at most MF_ROWS_MAX_WORDS words.
 */
#ifndef MF_ROWS_H
#define MF_ROWS_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MF_ROWS_MAX 64
#define MF_ROWS_MAX_WORDS 128

struct mf_rows {
    size_t size;                        /* Of the struct, in bytes. */
    uint64_t rows[MF_ROWS_MAX_WORDS];   /* Bit i: row i has a byte there. */
};

/* Builds 'idx' for a struct of 'size' bytes and 'n_rows' rows, row i
 * covering 'row_size(i)' bytes from 'row_ofs(i)'. */
void mf_rows_build(struct mf_rows *idx, size_t size, size_t n_rows,
                   size_t (*row_ofs)(size_t i), size_t (*row_size)(size_t i));

/* The rows that have a byte in a nonzero word of 's', a struct of the
 * indexed kind.  If 'words' is nonnull, sets bit w of it (room for
 * MF_ROWS_MAX_WORDS bits) for each nonzero word w. */
uint64_t mf_rows_touched(const struct mf_rows *idx, const void *s,
                         uint64_t *words);

/* Whether the words of 's' that 'words' names are all zero now. */
bool mf_rows_words_zero(const struct mf_rows *idx, const void *s,
                        const uint64_t *words);

#endif /* mf-rows.h */
