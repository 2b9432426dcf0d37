/* mf-rows: field table rows by the words of a struct they live in. */
#include <config.h>
#include "mf-rows.h"

#include <string.h>

#include "util.h"

/* Word 'w' of 's', a struct of 'size' bytes (the last may be short). */
static inline uint64_t
word(const void *s, size_t size, size_t w)
{
    uint64_t v = 0;

    if (OVS_LIKELY(w * 8 + 8 <= size)) {
        memcpy(&v, (const uint8_t *) s + w * 8, 8);
    } else {
        memcpy(&v, (const uint8_t *) s + w * 8, size - w * 8);
    }
    return v;
}

void
mf_rows_build(struct mf_rows *idx, size_t size, size_t n_rows,
              size_t (*row_ofs)(size_t i), size_t (*row_size)(size_t i))
{
    ovs_assert(n_rows <= MF_ROWS_MAX);
    ovs_assert(DIV_ROUND_UP(size, 8) <= MF_ROWS_MAX_WORDS);
    memset(idx, 0, sizeof *idx);
    idx->size = size;
    for (size_t i = 0; i < n_rows; i++) {
        size_t ofs = row_ofs(i), n = row_size(i);

        for (size_t w = ofs / 8; n && w <= (ofs + n - 1) / 8; w++) {
            idx->rows[w] |= UINT64_C(1) << i;
        }
    }
}

uint64_t
mf_rows_touched(const struct mf_rows *idx, const void *s, uint64_t *words)
{
    const uint8_t *p = s;
    size_t n_full = idx->size / 8;
    uint64_t rows = 0, nz[MF_ROWS_MAX_WORDS / 64] = { 0 };
    size_t w = 0;

    /* Most words of a mask are zero: four at a time, and a closer look
     * only at a group with something in it. */
    for (; w + 4 <= n_full; w += 4) {
        uint64_t v[4];

        memcpy(v, p + w * 8, sizeof v);
        if (!(v[0] | v[1] | v[2] | v[3])) {
            continue;
        }
        for (size_t i = 0; i < 4; i++) {
            if (v[i]) {
                rows |= idx->rows[w + i];
                nz[(w + i) / 64] |= UINT64_C(1) << ((w + i) % 64);
            }
        }
    }
    for (; w * 8 < idx->size; w++) {
        if (word(s, idx->size, w)) {
            rows |= idx->rows[w];
            nz[w / 64] |= UINT64_C(1) << (w % 64);
        }
    }
    if (words) {
        memcpy(words, nz, sizeof nz);
    }
    return rows;
}

bool
mf_rows_words_zero(const struct mf_rows *idx, const void *s,
                   const uint64_t *words)
{
    for (size_t i = 0; i < MF_ROWS_MAX_WORDS / 64; i++) {
        for (uint64_t b = words[i]; b; b = zero_rightmost_1bit(b)) {
            if (word(s, idx->size, i * 64 + raw_ctz(b))) {
                return false;
            }
        }
    }
    return true;
}
