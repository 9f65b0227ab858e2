/* A freestanding printf subset; see fata/fmt.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <fata/fmt.h>

struct out {
	char *buf;
	size_t size;
	size_t len; /* bytes the whole output needs, even past size */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_repeat(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	int left;     /* '-' */
	int zero;     /* '0' */
	int plus;     /* '+' */
	int space;    /* ' ' */
	int width;
	int precision; /* -1 when absent */
};

/* Writes `digits` (no sign) with sign, precision and padding applied. */
static void put_number(struct out *o, const struct spec *s, const char *digits, int ndigits,
		char sign, const char *prefix)
{
	int prefix_len = prefix ? (int)strlen(prefix) : 0;
	int zeros = s->precision > ndigits ? s->precision - ndigits : 0;
	int body = ndigits + zeros + (sign ? 1 : 0) + prefix_len;
	int pad = s->width > body ? s->width - body : 0;

	/* C ignores the 0 flag when a precision is given. */
	if (s->zero && !s->left && s->precision < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!s->left)
		put_repeat(o, ' ', pad);
	if (sign)
		put(o, sign);
	for (int i = 0; i < prefix_len; i++)
		put(o, prefix[i]);
	put_repeat(o, '0', zeros);
	for (int i = 0; i < ndigits; i++)
		put(o, digits[i]);
	if (s->left)
		put_repeat(o, ' ', pad);
}

static int to_digits(uintmax_t v, unsigned base, int upper, char *tmp)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char rev[64];
	int n = 0;

	do {
		rev[n++] = set[v % base];
		v /= base;
	} while (v);
	for (int i = 0; i < n; i++)
		tmp[i] = rev[n - 1 - i];
	return n;
}

static void put_unsigned(struct out *o, const struct spec *s, uintmax_t v, unsigned base,
		int upper, char sign, const char *prefix)
{
	char tmp[64];
	int n = to_digits(v, base, upper, tmp);

	/* Precision 0 with value 0 prints no digits. */
	if (s->precision == 0 && v == 0)
		n = 0;
	put_number(o, s, tmp, n, sign, prefix);
}

static void put_string(struct out *o, const struct spec *s, const char *str)
{
	int n = 0;
	int pad;

	if (!str)
		str = "(null)";
	while ((s->precision < 0 || n < s->precision) && str[n])
		n++;
	pad = s->width > n ? s->width - n : 0;
	if (!s->left)
		put_repeat(o, ' ', pad);
	for (int i = 0; i < n; i++)
		put(o, str[i]);
	if (s->left)
		put_repeat(o, ' ', pad);
}

enum length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

static intmax_t arg_signed(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_HH: return (signed char)va_arg(*ap, int);
	case LEN_H: return (short)va_arg(*ap, int);
	case LEN_L: return va_arg(*ap, long);
	case LEN_LL: return va_arg(*ap, long long);
	case LEN_Z: return (intmax_t)va_arg(*ap, size_t);
	case LEN_J: return va_arg(*ap, intmax_t);
	case LEN_T: return va_arg(*ap, ptrdiff_t);
	default: return va_arg(*ap, int);
	}
}

static uintmax_t arg_unsigned(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_HH: return (unsigned char)va_arg(*ap, unsigned);
	case LEN_H: return (unsigned short)va_arg(*ap, unsigned);
	case LEN_L: return va_arg(*ap, unsigned long);
	case LEN_LL: return va_arg(*ap, unsigned long long);
	case LEN_Z: return va_arg(*ap, size_t);
	case LEN_J: return va_arg(*ap, uintmax_t);
	case LEN_T: return (uintmax_t)va_arg(*ap, ptrdiff_t);
	default: return va_arg(*ap, unsigned);
	}
}

static const char *parse_spec(const char *f, struct spec *s, va_list *ap)
{
	memset(s, 0, sizeof *s);
	s->precision = -1;
	for (;; f++) {
		if (*f == '-')
			s->left = 1;
		else if (*f == '0')
			s->zero = 1;
		else if (*f == '+')
			s->plus = 1;
		else if (*f == ' ')
			s->space = 1;
		else
			break;
	}
	if (*f == '*') {
		s->width = va_arg(*ap, int);
		if (s->width < 0) {
			s->left = 1;
			s->width = -s->width;
		}
		f++;
	} else {
		while (*f >= '0' && *f <= '9' && s->width < 100000)
			s->width = s->width * 10 + (*f++ - '0');
	}
	if (*f == '.') {
		f++;
		s->precision = 0;
		if (*f == '*') {
			s->precision = va_arg(*ap, int);
			if (s->precision < 0)
				s->precision = -1;
			f++;
		} else {
			while (*f >= '0' && *f <= '9' && s->precision < 100000)
				s->precision = s->precision * 10 + (*f++ - '0');
		}
	}
	return f;
}

static const char *parse_length(const char *f, enum length *len)
{
	*len = LEN_NONE;
	if (f[0] == 'h' && f[1] == 'h') {
		*len = LEN_HH;
		return f + 2;
	}
	if (f[0] == 'l' && f[1] == 'l') {
		*len = LEN_LL;
		return f + 2;
	}
	switch (*f) {
	case 'h': *len = LEN_H; return f + 1;
	case 'l': *len = LEN_L; return f + 1;
	case 'z': *len = LEN_Z; return f + 1;
	case 'j': *len = LEN_J; return f + 1;
	case 't': *len = LEN_T; return f + 1;
	default: return f;
	}
}

static void put_conversion(struct out *o, char conv, struct spec *s, enum length len, va_list *ap)
{
	switch (conv) {
	case 'd':
	case 'i': {
		intmax_t v = arg_signed(ap, len);
		uintmax_t mag = v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
		char sign = 0;

		if (v < 0)
			sign = '-';
		else if (s->plus)
			sign = '+';
		else if (s->space)
			sign = ' ';

		put_unsigned(o, s, mag, 10, 0, sign, NULL);
		break;
	}
	case 'u':
		put_unsigned(o, s, arg_unsigned(ap, len), 10, 0, 0, NULL);
		break;
	case 'x':
	case 'X':
		put_unsigned(o, s, arg_unsigned(ap, len), 16, conv == 'X', 0, NULL);
		break;
	case 'o':
		put_unsigned(o, s, arg_unsigned(ap, len), 8, 0, 0, NULL);
		break;
	case 'c': {
		char c[2] = { (char)va_arg(*ap, int), 0 };
		struct spec one = *s;

		one.precision = 1;
		if (c[0] == 0) {
			/* A NUL character is still output, as C does. */
			put_repeat(o, ' ', s->left ? 0 : s->width - 1);
			put(o, 0);
			put_repeat(o, ' ', s->left ? s->width - 1 : 0);
		} else {
			put_string(o, &one, c);
		}
		break;
	}
	case 's':
		put_string(o, s, va_arg(*ap, const char *));
		break;
	case 'p': {
		uintptr_t v = (uintptr_t)va_arg(*ap, void *);

		s->precision = -1;
		put_unsigned(o, s, v, 16, 0, 0, "0x");
		break;
	}
	case '%':
		put(o, '%');
		break;
	default:
		/* An unknown conversion is copied, so the mistake is visible in the output. */
		put(o, '%');
		put(o, conv);
		break;
	}
}

int fata_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		struct spec s;
		enum length len;

		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &s, &args);
		fmt = parse_length(fmt, &len);
		if (!*fmt)
			break;
		put_conversion(&o, *fmt++, &s, len, &args);
	}
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return o.len > INT32_MAX ? INT32_MAX : (int)o.len;
}

int fata_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fata_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
