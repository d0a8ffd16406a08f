/*
 * objdec_float.c: the text MicroPython's repr() gives a single float.
 *
 * OBJDEC_FLOAT_G follows py/formatfloat.c (mp_format_float, the Hylands
 * digit loop of v1.9-v1.22) for MICROPY_FLOAT_IMPL_FLOAT, called by
 * float_print in py/objfloat.c with 'g' and precision 6 (repr C) or 7,
 * and ".0" added when the text has no '.', 'e' or 'n'.  The loop uses
 * single-precision arithmetic as the board does (IEEE float, round to
 * nearest, no wider intermediates on the hosts we build for).
 *
 * OBJDEC_FLOAT_APPROX follows the rewritten py/formatfloat.c of v1.29
 * (MICROPY_FLOAT_FORMAT_IMPL_APPROX, repr precision: 6 digits first, then
 * a search up to 9 until py/parsenum.c reads the text back as the same
 * float), with the firmware's own powf(5, n) values.
 * Both were checked against the boards: tests/data/objdec_floats_v192.txt
 * (v1.9.2 micro:bit, repr C) and objdec_floats_v129.txt (v1.29 qemu), all
 * equal.
 */
#include "objdec.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if FLT_EVAL_METHOD != 0
#error "objdec_float.c needs float arithmetic done in float (FLT_EVAL_METHOD 0)"
#endif

static float bits_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

uint32_t objdec_repr_c_float_bits(uint32_t word)
{
    return (word - 0x80800000u) & ~3u;
}

static const float g_pos_pow[] = {1e32F, 1e16F, 1e8F, 1e4F, 1e2F, 1e1F};
static const float g_neg_pow[] = {1e-32F, 1e-16F, 1e-8F, 1e-4F, 1e-2F, 1e-1F};

#define FPROUND_TO_ONE 0.9999995F
#define FPDECEXP 32
#define FPMIN_BUF_SIZE 6

/* mp_format_float(f, buf, 16, 'g', prec, '\0') for single floats. */
static void format_g(float f, uint32_t bits, char *buf, int prec)
{
    const int buf_size = 16;
    char *s = buf;
    if ((bits & 0x80000000u) && !isnan(f)) {
        *s++ = '-';
        f = -f;
    }
    int buf_remaining = buf_size - 1 - (int)(s - buf);
    if (isinf(f)) {
        strcpy(s, "inf");
        return;
    }
    if (isnan(f)) {
        strcpy(s, "nan");
        return;
    }
    char fmt = 'g', org_fmt = 'g';
    int e, e1, dec = 0, num_digits = 0;
    char e_sign = '\0';
    const float *pos_pow = g_pos_pow, *neg_pow = g_neg_pow;
    uint32_t mag = bits & 0x7fffffffu;

    if (mag == 0) {
        e = 0;
        if (prec + 6 > buf_remaining) {
            prec = buf_remaining - 6;
        }
    } else if (mag < 0x3f800000u) {
        char first_dig = '0';
        if (f >= FPROUND_TO_ONE) {
            first_dig = '1';
        }
        for (e = 0, e1 = FPDECEXP; e1; e1 >>= 1, pos_pow++, neg_pow++) {
            if (*neg_pow > f) {
                e += e1;
                f *= *pos_pow;
            }
        }
        char e_sign_char = '-';
        uint32_t fb;
        memcpy(&fb, &f, sizeof fb);
        if (fb < 0x3f800000u && f >= FPROUND_TO_ONE) {
            f = 1.0F;
            if (e == 0) {
                e_sign_char = '+';
            }
        } else if (fb < 0x3f800000u) {
            e++;
            f *= 10.0F;
        }
        if (e <= 4) {
            fmt = 'f';
            dec = -1;
            *s++ = first_dig;
            prec += (e - 1);
            if (prec + 2 > buf_remaining) {
                prec = buf_remaining - 2;
            }
            num_digits = prec;
            if (num_digits) {
                *s++ = '.';
                while (--e && num_digits) {
                    *s++ = '0';
                    num_digits--;
                }
            }
        } else {
            e_sign = e_sign_char;
            dec = 0;
            if (prec > (buf_remaining - FPMIN_BUF_SIZE)) {
                prec = buf_remaining - FPMIN_BUF_SIZE + 1;
            }
        }
    } else {
        for (e = 0, e1 = FPDECEXP; e1; e1 >>= 1, pos_pow++, neg_pow++) {
            if (*pos_pow <= f) {
                e += e1;
                f *= *neg_pow;
            }
        }
        if ((int)f >= 10) {
            e += 1;
            f *= 0.1F;
        }
        if (prec + (FPMIN_BUF_SIZE - 1) > buf_remaining) {
            prec = buf_remaining - (FPMIN_BUF_SIZE - 1);
        }
        if (e < prec) {
            fmt = 'f';
            prec -= (e + 1);
        }
        if (fmt == 'f') {
            dec = e;
            num_digits = prec + e + 1;
        } else {
            e_sign = '+';
        }
    }
    if (prec < 0) {
        prec = 0;
    }
    if (fmt == 'g') {
        if (prec == 0) {
            prec = 1;
        }
        num_digits = prec;
    }
    for (int i = 0; i < num_digits; ++i, --dec) {
        int32_t d = (int32_t)f;
        if (d < 0 || d > 9) {
            d = d < 0 ? 0 : 9; /* the board would print garbage; never here */
        }
        *s++ = (char)('0' + d);
        if (dec == 0 && prec > 0) {
            *s++ = '.';
        }
        f -= (float)d;
        f *= 10.0F;
    }
    if ((org_fmt != 'f' || e <= num_digits) && f >= 5.0F) {
        char *rs = s;
        rs--;
        while (1) {
            if (*rs == '.') {
                rs--;
                continue;
            }
            if (*rs < '0' || *rs > '9') {
                rs++;
                break;
            }
            if (*rs < '9') {
                (*rs)++;
                break;
            }
            *rs = '0';
            if (rs == buf) {
                break;
            }
            rs--;
        }
        if (*rs == '0') {
            if (rs[1] == '.' && fmt != 'f') {
                rs[0] = '.';
                rs[1] = '0';
                if (e_sign == '-') {
                    e--;
                    if (e == 0) {
                        e_sign = '+';
                    }
                } else {
                    e++;
                }
            } else {
                s++;
            }
            char *ss = s;
            while (ss > rs) {
                *ss = ss[-1];
                ss--;
            }
            *rs = '1';
        }
    }
    if (prec > 0) {
        while (s[-1] == '0') {
            s--;
        }
        if (s[-1] == '.') {
            s--;
        }
    }
    if (e_sign) {
        *s++ = 'e';
        *s++ = e_sign;
        *s++ = (char)('0' + ((e / 10) % 10));
        *s++ = (char)('0' + (e % 10));
    }
    *s = '\0';
}

/* ---- v1.29: py/formatfloat.c with MICROPY_FLOAT_FORMAT_IMPL_APPROX ------
 * (mp_large_float_t is float and mp_large_float_uint_t uint32_t there), and
 * mp_decimal_exp / mp_parse_float_internal of py/parsenum.c, which the
 * formatter uses to check its digits. */

#define FMT_MODE_G 0x02
#define MAX_MANTISSA_DIGITS 9
#define SAFE_MANTISSA_DIGITS 6
#define REPR_MAX_EXP_ZEROS 16
#define MANTISSA_MAX 0x19999998u

/* float to uint32_t as the Cortex-M soft-float conversion does it:
 * saturating (the C cast is undefined out of range). */
static uint32_t f2u(float x)
{
    if (!(x > 0.0F)) {
        return 0;
    }
    if (x >= 4294967296.0F) {
        return 0xffffffffu;
    }
    return (uint32_t)x;
}

static float fabs_f(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    u &= 0x7fffffffu;
    memcpy(&x, &u, sizeof x);
    return x;
}

static int fbits_zero(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u == 0;
}

/* powf(5, n) as the v1.29 firmware's libm returns it (MicroPython's
 * lib/libm powf is not correctly rounded: 5**11 comes out one ulp high),
 * for n = -64 .. 64, read from the board with struct.pack('<f', 5.0 ** n)
 * (tests/data/objdec_pow5_v129.txt).  The formatter's digits depend on
 * these exact values. */
static const uint32_t pow5_bits[129] = {
    0x00000001u, 0x00000007u, 0x00000021u, 0x000000a5u, 0x00000337u, 0x00001012u,
    0x00005059u, 0x000191bcu, 0x0007d8acu, 0x00273b5du, 0x00c428d0u, 0x01f53304u,
    0x03193fe3u, 0x043f8fdcu, 0x056f73d2u, 0x0695a864u, 0x07bb127cu, 0x08e9d71bu,
    0x0a122671u, 0x0b36b00eu, 0x0c645c11u, 0x0d8eb98au, 0x0eb267edu, 0x0fdf01e8u,
    0x110b6131u, 0x122e397eu, 0x1359c7ddu, 0x14881ceau, 0x15aa2424u, 0x16d4ad2eu,
    0x1804ec3du, 0x1926274cu, 0x1a4fb11fu, 0x1b81ceb3u, 0x1ca24260u, 0x1dcad2f8u,
    0x1efd87b6u, 0x201e74d2u, 0x21461206u, 0x22779688u, 0x239abe15u, 0x24c16d9au,
    0x25f1c900u, 0x27171da0u, 0x283ce508u, 0x296c1e4au, 0x2a9392eeu, 0x2bb877aau,
    0x2ce69595u, 0x2e101d7du, 0x2f3424dcu, 0x30612e13u, 0x318cbcccu, 0x32afebffu,
    0x33dbe6ffu, 0x3509705fu, 0x362bcc77u, 0x3756bf95u, 0x388637bdu, 0x39a7c5acu,
    0x3ad1b717u, 0x3c03126fu, 0x3d23d70au, 0x3e4ccccdu, 0x3f800000u, 0x40a00000u,
    0x41c80000u, 0x42fa0000u, 0x441c4000u, 0x45435000u, 0x46742400u, 0x47989680u,
    0x48bebc20u, 0x49ee6b28u, 0x4b1502f9u, 0x4c3a43b8u, 0x4d68d4a5u, 0x4e9184e7u,
    0x4fb5e621u, 0x50e35fa9u, 0x520e1bcau, 0x5331a2bcu, 0x545e0b6bu, 0x558ac723u,
    0x56ad78ecu, 0x57d8d727u, 0x59078678u, 0x5a296816u, 0x5b53c21cu, 0x5c845951u,
    0x5da56fa6u, 0x5ececb8fu, 0x60013f39u, 0x61218f08u, 0x6249f2cau, 0x637c6f7cu,
    0x649dc5aeu, 0x65c53719u, 0x66f684dfu, 0x681a130cu, 0x694097ceu, 0x6a70bdc2u,
    0x6b967699u, 0x6cbc1440u, 0x6deb1950u, 0x6f12efd2u, 0x7037abc6u, 0x716596b8u,
    0x728f7e33u, 0x73b35dc0u, 0x74e0352fu, 0x760c213eu, 0x772f298du, 0x785af3f0u,
    0x7988d876u, 0x7aab0e94u, 0x7bd5d239u, 0x7d05a363u, 0x7e270c3cu, 0x7f50cf4bu,
    0x7f800000u, 0x7f800000u, 0x7f800000u, 0x7f800000u, 0x7f800000u, 0x7f800000u,
    0x7f800000u, 0x7f800000u, 0x7f800000u,
};

static float pow5f(int n)
{
    if (n < -64 || n > 64) {
        return n < 0 ? 0.0F : INFINITY;
    }
    float r;
    memcpy(&r, &pow5_bits[n + 64], sizeof r);
    return r;
}

/* mp_decimal_exp: num * 10**dec_exp via the binary exponent and 5**n. */
static float decimal_exp(float num, int dec_exp)
{
    if (dec_exp == 0 || num == 0.0F) {
        return num;
    }
    uint32_t u;
    memcpy(&u, &num, sizeof u);
    uint32_t e = ((u >> 23) + (uint32_t)dec_exp) & 0xffu;
    u = (u & ~(0xffu << 23)) | e << 23;
    float r;
    memcpy(&r, &u, sizeof r);
    if (dec_exp < 0 && dec_exp >= -10) {
        r /= pow5f(-dec_exp);
    } else {
        r *= pow5f(dec_exp);
    }
    return r;
}

static uint32_t accept_digit(uint32_t m, unsigned dig, int *exp_extra, int in_frac)
{
    if (m < MANTISSA_MAX) {
        if (in_frac) {
            --*exp_extra;
        }
        return 10u * m + dig;
    }
    if (!in_frac) {
        ++*exp_extra;
    }
    return m;
}

/* mp_parse_float_internal on text we made (digits, '.', e[+-]dd). */
static float parse_float(const char *str, size_t len)
{
    const char *top = str + len;
    int in = 0; /* 0 integer part, 1 fraction, 2 exponent */
    int exp_neg = 0, exp_val = 0, exp_extra = 0, tz_intg = 0, tz_frac = 0;
    uint32_t m = 0;
    while (str < top) {
        unsigned dig = (unsigned char)*str++;
        if (dig >= '0' && dig <= '9') {
            dig -= '0';
            if (in == 2) {
                if (exp_val < 100000) {
                    exp_val = 10 * exp_val + (int)dig;
                }
            } else if (dig == 0 || m >= MANTISSA_MAX) {
                if (in == 0) {
                    ++tz_intg;
                } else {
                    ++tz_frac;
                }
            } else {
                while (tz_intg) {
                    m = accept_digit(m, 0, &exp_extra, 0);
                    --tz_intg;
                }
                while (tz_frac) {
                    m = accept_digit(m, 0, &exp_extra, 1);
                    --tz_frac;
                }
                m = accept_digit(m, dig, &exp_extra, in == 1);
            }
        } else if (in == 0 && dig == '.') {
            in = 1;
        } else if (in != 2 && (dig | 0x20) == 'e') {
            in = 2;
            if (str < top && (*str == '+' || *str == '-')) {
                exp_neg = *str == '-';
                str++;
            }
        } else {
            break;
        }
    }
    if (exp_neg) {
        exp_val = -exp_val;
    }
    exp_val += exp_extra + tz_intg;
    return decimal_exp((float)m, exp_val);
}

static char *prepend_zeros(char *s, int cnt)
{
    *s++ = '0';
    *s++ = '.';
    while (cnt > 0) {
        *s++ = '0';
        cnt--;
    }
    return s;
}

/* mp_format_mantissa for 'g' (lower case). */
static int format_mantissa(uint32_t mantissa, uint32_t cap, char *buf, char *s,
                           int num_digits, int max_exp_zeros, int trailing_zeros,
                           int dec, int e)
{
    if (mantissa && mantissa >= cap) {
        mantissa /= 10;
        e++;
    }
    if (e != 0) {
        if (e >= 0) {
            if (e < max_exp_zeros) {
                dec += e;
                if (dec >= num_digits) {
                    trailing_zeros = dec - (num_digits - 1);
                }
                e = 0;
            }
        } else if (e >= -4) {
            int cnt = 0;
            while (e < 0 && !(mantissa % 10)) {
                mantissa /= 10;
                cnt++;
                e++;
            }
            num_digits -= cnt;
            s = prepend_zeros(s, cnt - e - 1);
            dec = 255;
            e = 0;
        }
    }
    for (int digit = num_digits - 1; digit >= 0; digit--) {
        int ofs = digit > dec ? digit + 1 : digit;
        s[ofs] = (char)('0' + (int)(mantissa % 10));
        mantissa /= 10;
    }
    int dot = dec >= 255;
    if (dec + 1 < num_digits) {
        dot = 1;
        s++;
        s[dec] = '.';
    }
    s += num_digits;
    if (trailing_zeros) {
        dec -= num_digits - 1;
        while (trailing_zeros--) {
            if (!dec--) {
                *s++ = '.';
                dot = 1;
            }
            *s++ = '0';
        }
    }
    if (dot) {
        while (s[-1] == '0') {
            s--;
        }
        if (s[-1] == '.') {
            s--;
        }
    }
    if (e != 0) {
        *s++ = 'e';
        if (e >= 0) {
            *s++ = '+';
        } else {
            *s++ = '-';
            e = -e;
        }
        if (e >= 100) {
            *s++ = (char)('0' + e / 100);
        }
        *s++ = (char)('0' + (e / 10) % 10);
        *s++ = (char)('0' + e % 10);
    }
    *s = '\0';
    return (int)(s - buf);
}

/* mp_format_float(f, buf, .., 'g', MP_FLOAT_REPR_PREC, '\0'); buf >= 32. */
static void format_repr_approx(float f, uint32_t bits, char *buf)
{
    if (bits & 0x80000000u) {
        if (isnan(f)) {
            strcpy(buf, "nan");
            return;
        }
        *buf++ = '-';
        f = -f;
    }
    if (isinf(f)) {
        strcpy(buf, "inf");
        return;
    }
    if (isnan(f)) {
        strcpy(buf, "nan");
        return;
    }
    const int prec = MAX_MANTISSA_DIGITS, max_exp_zeros = REPR_MAX_EXP_ZEROS;
    int e = 0;
    uint32_t fb;
    memcpy(&fb, &f, sizeof fb);
    if (fb != 0) {
        int expval = (int)((fb >> 23) & 0xff) - 127;
        e = (int)((float)expval * 0.3010299956639812F);
        int positive_exp = fb >= 0x3f800000u;
        float u_base = decimal_exp(1.0F, e + positive_exp);
        while ((f >= u_base) == positive_exp) {
            e += positive_exp ? 1 : -1;
            u_base = decimal_exp(1.0F, e + positive_exp);
        }
    }
    int max_digits = prec, trail_zeros = 0;
    int num_digits = SAFE_MANTISSA_DIGITS;
    for (int tries = 0; tries < 8; tries++) {
        char *s = buf;
        int extra_zeros = trail_zeros + (max_digits - num_digits);
        int decexp = fb == 0 ? 0 : num_digits - e - 1;
        uint32_t cap = 10;
        for (int n = 1; n < num_digits; n++) {
            cap *= 10;
        }
        uint32_t mantissa = 1;
        if (num_digits > SAFE_MANTISSA_DIGITS && decexp > 1) {
            if (num_digits > SAFE_MANTISSA_DIGITS + 1 && decexp > 2) {
                mantissa = 100;
                decexp -= 2;
            } else {
                mantissa = 10;
                decexp -= 1;
            }
        }
        float mf = decimal_exp(f, decexp);
        mantissa *= f2u(mf + 0.5F);
        int len = format_mantissa(mantissa, cap, buf, s, num_digits, max_exp_zeros,
                                  extra_zeros, 0, e);
        float check = parse_float(buf, (size_t)len);
        float diff = check - f;
        float best_diff = diff;
        uint32_t best = mantissa;
        if (fbits_zero(diff)) {
            return;
        }
        unsigned err_range = 1;
        if (num_digits > SAFE_MANTISSA_DIGITS) {
            err_range <<= 3 * (num_digits - SAFE_MANTISSA_DIGITS);
        }
        int maxruns = 3 + 3 * (MAX_MANTISSA_DIGITS - SAFE_MANTISSA_DIGITS);
        while (maxruns-- > 0) {
            if (signbit(diff)) {
                mantissa += err_range;
            } else {
                mantissa = mantissa >= err_range ? mantissa - err_range : 0;
            }
            len = format_mantissa(mantissa, cap, buf, s, num_digits, max_exp_zeros,
                                  extra_zeros, 0, e);
            check = parse_float(buf, (size_t)len);
            diff = check - f;
            if (fbits_zero(diff)) {
                return;
            }
            float delta = fabs_f(diff) - fabs_f(best_diff);
            if (signbit(delta) || (fbits_zero(delta) && !(mantissa % 10u))) {
                best_diff = diff;
                best = mantissa;
            }
            if (err_range > 1) {
                err_range >>= 1;
            } else {
                if (num_digits < max_digits) {
                    break; /* try again with one more digit */
                }
                if (mantissa != best) {
                    format_mantissa(best, cap, buf, s, num_digits, max_exp_zeros,
                                    extra_zeros, 0, e);
                }
                return;
            }
        }
        if (maxruns < 0) {
            return;
        }
        num_digits++;
    }
}

void objdec_float_repr(uint32_t bits, const struct objdec_layout *lay,
                       char *buf, size_t size)
{
    float f = bits_float(bits);
    char tmp[64];
    if (lay->float_text != OBJDEC_FLOAT_G) {
        format_repr_approx(f, bits, tmp);
    } else {
        format_g(f, bits, tmp, lay->repr == OBJDEC_REPR_C ? 6 : 7);
    }
    if (strchr(tmp, '.') == NULL && strchr(tmp, 'e') == NULL &&
        strchr(tmp, 'n') == NULL) {
        strcat(tmp, ".0");
    }
    snprintf(buf, size, "%s", tmp);
}
