/*
 * Types of the pairing-friendly field template (fp_tower.h), shared by bn254.c and bls12_381.c.
 * An includer defines FP_LIMBS, includes this, defines its constants, then includes fp_tower.h.
 */
#include <stdint.h>
#include <string.h>

typedef unsigned __int128 u128;

typedef struct { uint64_t l[FP_LIMBS]; } fp; /* Montgomery form, little-endian limbs */
typedef struct { fp c0, c1; } fp2;            /* c0 + c1 u */
typedef struct { fp2 c0, c1, c2; } fp6;       /* c0 + c1 v + c2 v^2 */
typedef struct { fp6 c0, c1; } fp12;          /* c0 + c1 w */

/* Unreduced double-width values (lazy reduction): an integer below P 2^(64 FP_LIMBS) that stands
 * for itself times 2^(-64 FP_LIMBS) mod P, i.e. what one Montgomery reduction turns into an fp. */
typedef struct { uint64_t l[2 * FP_LIMBS]; } fpw;
typedef struct { fpw c0, c1; } fp2w;
typedef struct { fp2w c0, c1, c2; } fp6w;

typedef struct { fp x, y, z; } g1j;           /* Jacobian; z == 0 is infinity */
typedef struct { fp2 x, y, z; } g2j;
