// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * SHA-384 as specified in FIPS 180-4: the SHA-512 compression function
 * (section 6.4) with the SHA-384 initial hash value (section 5.3.4) and the
 * digest truncated to the leftmost 384 bits (section 6.5).
 *
 * The message schedule is kept as a 16-word rolling window instead of the
 * 80-word array of the standard, so the stack frame stays small enough for
 * the kernel build.  Nothing here allocates, sleeps or uses floating point.
 */
#include <tdsnp/sha384.h>

#ifdef __KERNEL__
#include <linux/string.h>

static inline u64 sha384_load_be64(const u8 *p)
{
	return ((u64)p[0] << 56) | ((u64)p[1] << 48) | ((u64)p[2] << 40) | ((u64)p[3] << 32) |
	       ((u64)p[4] << 24) | ((u64)p[5] << 16) | ((u64)p[6] << 8) | p[7];
}

static inline void sha384_store_be64(u8 *p, u64 v)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		p[i] = (u8)(v >> (56 - 8 * i));
}

static inline void sha384_wipe(void *p, size_t len)
{
	memzero_explicit(p, len);
}
#else /* userspace */
#include <string.h>

static inline u64 sha384_load_be64(const u8 *p)
{
	return ((u64)p[0] << 56) | ((u64)p[1] << 48) |
	       ((u64)p[2] << 40) | ((u64)p[3] << 32) |
	       ((u64)p[4] << 24) | ((u64)p[5] << 16) |
	       ((u64)p[6] << 8) | (u64)p[7];
}

static inline void sha384_store_be64(u8 *p, u64 v)
{
	p[0] = (u8)(v >> 56);
	p[1] = (u8)(v >> 48);
	p[2] = (u8)(v >> 40);
	p[3] = (u8)(v >> 32);
	p[4] = (u8)(v >> 24);
	p[5] = (u8)(v >> 16);
	p[6] = (u8)(v >> 8);
	p[7] = (u8)v;
}

static inline void sha384_wipe(void *p, size_t len)
{
	memset(p, 0, len);
	/* Keep the compiler from eliding the memset of a dead object. */
	__asm__ __volatile__("" : : "r"(p) : "memory");
}
#endif /* __KERNEL__ */

/* FIPS 180-4 section 4.2.3: the eighty SHA-384/512 round constants. */
static const u64 sha384_k[80] = {
	0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL,
	0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
	0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL,
	0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
	0xd807aa98a3030242ULL, 0x12835b0145706fbeULL,
	0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
	0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL,
	0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
	0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL,
	0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
	0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL,
	0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
	0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL,
	0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
	0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL,
	0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
	0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL,
	0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
	0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL,
	0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
	0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL,
	0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
	0xd192e819d6ef5218ULL, 0xd69906245565a910ULL,
	0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
	0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL,
	0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
	0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL,
	0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
	0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL,
	0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
	0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL,
	0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
	0xca273eceea26619cULL, 0xd186b8c721c0c207ULL,
	0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
	0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL,
	0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
	0x28db77f523047d84ULL, 0x32caab7b40c72493ULL,
	0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
	0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL,
	0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};

/* FIPS 180-4 section 5.3.4: the SHA-384 initial hash value H(0). */
static const u64 sha384_h0[8] = {
	0xcbbb9d5dc1059ed8ULL, 0x629a292a367cd507ULL,
	0x9159015a3070dd17ULL, 0x152fecd8f70e5939ULL,
	0x67332667ffc00b31ULL, 0x8eb44a8768581511ULL,
	0xdb0c2e0d64f98fa7ULL, 0x47b5481dbefa4fa4ULL,
};

/* ROTR^n(x) for 0 < n < 64 (section 3.2). */
static __always_inline u64 sha384_rotr(u64 x, unsigned int n)
{
	return (x >> n) | (x << (64 - n));
}

/* The SHA-384/512 functions of section 4.1.3. */
static __always_inline u64 sha384_ch(u64 x, u64 y, u64 z)
{
	return (x & y) ^ (~x & z);
}

static __always_inline u64 sha384_maj(u64 x, u64 y, u64 z)
{
	return (x & y) ^ (x & z) ^ (y & z);
}

static __always_inline u64 sha384_bsig0(u64 x)
{
	return sha384_rotr(x, 28) ^ sha384_rotr(x, 34) ^ sha384_rotr(x, 39);
}

static __always_inline u64 sha384_bsig1(u64 x)
{
	return sha384_rotr(x, 14) ^ sha384_rotr(x, 18) ^ sha384_rotr(x, 41);
}

static __always_inline u64 sha384_ssig0(u64 x)
{
	return sha384_rotr(x, 1) ^ sha384_rotr(x, 8) ^ (x >> 7);
}

static __always_inline u64 sha384_ssig1(u64 x)
{
	return sha384_rotr(x, 19) ^ sha384_rotr(x, 61) ^ (x >> 6);
}

/*
 * One round of section 6.4.2 step 3.  Instead of shifting all eight working
 * variables, the caller rotates the argument order, so only d and h change:
 * d becomes the new e and h becomes the new a.
 */
static __always_inline void sha384_round(u64 a, u64 b, u64 c, u64 *d,
					 u64 e, u64 f, u64 g, u64 *h,
					 u64 kw)
{
	u64 t1 = *h + sha384_bsig1(e) + sha384_ch(e, f, g) + kw;
	u64 t2 = sha384_bsig0(a) + sha384_maj(a, b, c);

	*d += t1;
	*h = t1 + t2;
}

/*
 * Message schedule word W(t) for t >= 16, computed in place in the 16-word
 * window: on entry w[t % 16] holds W(t - 16), on return it holds W(t).
 */
static __always_inline u64 sha384_sched(u64 *w, unsigned int j)
{
	w[j] += sha384_ssig1(w[(j + 14) & 15]) + w[(j + 9) & 15] +
		sha384_ssig0(w[(j + 1) & 15]);
	return w[j];
}

/* W(t) for round t, where j = t % 16: loaded for t < 16, else scheduled. */
static __always_inline u64 sha384_w(u64 *w, unsigned int j, bool sched)
{
	return sched ? sha384_sched(w, j) : w[j];
}

/*
 * Eight consecutive rounds t .. t + 7, with j = t % 16 (0 or 8).  After
 * eight rotations every working variable is back in its own slot.
 */
static __always_inline void sha384_8rounds(u64 *a, u64 *b, u64 *c, u64 *d,
					   u64 *e, u64 *f, u64 *g, u64 *h,
					   u64 *w, unsigned int t,
					   unsigned int j, bool sched)
{
	const u64 *k = &sha384_k[t];

	sha384_round(*a, *b, *c, d, *e, *f, *g, h,
		     k[0] + sha384_w(w, j, sched));
	sha384_round(*h, *a, *b, c, *d, *e, *f, g,
		     k[1] + sha384_w(w, j + 1, sched));
	sha384_round(*g, *h, *a, b, *c, *d, *e, f,
		     k[2] + sha384_w(w, j + 2, sched));
	sha384_round(*f, *g, *h, a, *b, *c, *d, e,
		     k[3] + sha384_w(w, j + 3, sched));
	sha384_round(*e, *f, *g, h, *a, *b, *c, d,
		     k[4] + sha384_w(w, j + 4, sched));
	sha384_round(*d, *e, *f, g, *h, *a, *b, c,
		     k[5] + sha384_w(w, j + 5, sched));
	sha384_round(*c, *d, *e, f, *g, *h, *a, b,
		     k[6] + sha384_w(w, j + 6, sched));
	sha384_round(*b, *c, *d, e, *f, *g, *h, a,
		     k[7] + sha384_w(w, j + 7, sched));
}

/* Compress @nblocks consecutive 128-byte blocks at @p into @state. */
static void sha384_blocks(u64 state[8], const u8 *p, size_t nblocks)
{
	u64 w[16];
	u64 a, b, c, d, e, f, g, h;
	unsigned int i, t;

	while (nblocks--) {
		for (i = 0; i < 16; i++)
			w[i] = sha384_load_be64(p + (size_t)i * 8);
		p += SHA384_BLOCK_SIZE;

		a = state[0];
		b = state[1];
		c = state[2];
		d = state[3];
		e = state[4];
		f = state[5];
		g = state[6];
		h = state[7];

		sha384_8rounds(&a, &b, &c, &d, &e, &f, &g, &h, w, 0, 0, false);
		sha384_8rounds(&a, &b, &c, &d, &e, &f, &g, &h, w, 8, 8, false);
		for (t = 16; t < 80; t += 16) {
			sha384_8rounds(&a, &b, &c, &d, &e, &f, &g, &h, w,
				       t, 0, true);
			sha384_8rounds(&a, &b, &c, &d, &e, &f, &g, &h, w,
				       t + 8, 8, true);
		}

		state[0] += a;
		state[1] += b;
		state[2] += c;
		state[3] += d;
		state[4] += e;
		state[5] += f;
		state[6] += g;
		state[7] += h;
	}

	sha384_wipe(w, sizeof(w));
}

void tdsnp_sha384_init(struct tdsnp_sha384_ctx *ctx)
{
	memcpy(ctx->state, sha384_h0, sizeof(ctx->state));
	ctx->count = 0;
	ctx->buflen = 0;
	memset(ctx->buf, 0, sizeof(ctx->buf));
}
EXPORT_SYMBOL_GPL(tdsnp_sha384_init);

void tdsnp_sha384_update(struct tdsnp_sha384_ctx *ctx, const void *data,
			 size_t len)
{
	const u8 *p = data;
	size_t n;

	if (!len)
		return;

	ctx->count += len;

	if (ctx->buflen) {
		n = SHA384_BLOCK_SIZE - ctx->buflen;
		if (n > len)
			n = len;
		memcpy(ctx->buf + ctx->buflen, p, n);
		ctx->buflen += n;
		p += n;
		len -= n;
		if (ctx->buflen < SHA384_BLOCK_SIZE)
			return;
		sha384_blocks(ctx->state, ctx->buf, 1);
		ctx->buflen = 0;
	}

	n = len / SHA384_BLOCK_SIZE;
	if (n) {
		sha384_blocks(ctx->state, p, n);
		p += n * SHA384_BLOCK_SIZE;
		len -= n * SHA384_BLOCK_SIZE;
	}

	if (len) {
		memcpy(ctx->buf, p, len);
		ctx->buflen = len;
	}
}
EXPORT_SYMBOL_GPL(tdsnp_sha384_update);

void tdsnp_sha384_final(struct tdsnp_sha384_ctx *ctx,
			u8 out[SHA384_DIGEST_SIZE])
{
	/* Section 5.1.2: the 128-bit big-endian message length in bits. */
	u64 bits_hi = ctx->count >> 61;
	u64 bits_lo = ctx->count << 3;
	size_t pos = ctx->buflen;
	unsigned int i;

	ctx->buf[pos++] = 0x80;
	if (pos > SHA384_BLOCK_SIZE - 16) {
		memset(ctx->buf + pos, 0, SHA384_BLOCK_SIZE - pos);
		sha384_blocks(ctx->state, ctx->buf, 1);
		pos = 0;
	}
	memset(ctx->buf + pos, 0, SHA384_BLOCK_SIZE - 16 - pos);
	sha384_store_be64(ctx->buf + SHA384_BLOCK_SIZE - 16, bits_hi);
	sha384_store_be64(ctx->buf + SHA384_BLOCK_SIZE - 8, bits_lo);
	sha384_blocks(ctx->state, ctx->buf, 1);

	for (i = 0; i < SHA384_DIGEST_SIZE / 8; i++)
		sha384_store_be64(out + (size_t)i * 8, ctx->state[i]);

	sha384_wipe(ctx, sizeof(*ctx));
}
EXPORT_SYMBOL_GPL(tdsnp_sha384_final);

void tdsnp_sha384(const void *data, size_t len, u8 out[SHA384_DIGEST_SIZE])
{
	struct tdsnp_sha384_ctx ctx;

	tdsnp_sha384_init(&ctx);
	tdsnp_sha384_update(&ctx, data, len);
	tdsnp_sha384_final(&ctx, out);
}
EXPORT_SYMBOL_GPL(tdsnp_sha384);
