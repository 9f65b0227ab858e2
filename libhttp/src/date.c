/*
 * HTTP dates (RFC 9110 section 5.6.7), formatted and parsed without the C
 * library's time functions so the code stays freestanding. Civil dates
 * use the proleptic Gregorian calendar; day numbers count from 1970-01-01.
 */
#include <string.h>

#include <fata/error.h>

#include "http_internal.h"

static const char day_names[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const day_names_long[7] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
};
static const char month_names[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/*
 * Returns the day number of a civil date. The year is shifted to start in
 * March, so the leap day is the last day of the shifted year, and 400-year
 * eras (146097 days each) make the arithmetic exact for negative years.
 */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;

	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t year_of_era = y - era * 400;
	int64_t day_of_year = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;

	return era * 146097 + day_of_era - 719468;
}

/* The inverse of days_from_civil(). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;

	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t day_of_era = z - era * 146097;
	int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524
			- day_of_era / 146096) / 365;
	int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
	int64_t month_index = (5 * day_of_year + 2) / 153;

	*d = (int)(day_of_year - (153 * month_index + 2) / 5 + 1);
	*m = (int)(month_index < 10 ? month_index + 3 : month_index - 9);
	*y = year_of_era + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
	static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Seconds of 0001-01-01T00:00:00Z and of 10000-01-01T00:00:00Z. */
#define FIRST_SECOND (INT64_C(-719162) * 86400)
#define END_SECOND (INT64_C(2932897) * 86400)

int fata_http_time_split(int64_t unix_seconds, struct fata_http_tm *tm)
{
	if (unix_seconds < FIRST_SECOND || unix_seconds >= END_SECOND)
		return FATA_EINVAL;

	int64_t days = unix_seconds >= 0 ? unix_seconds / 86400 : (unix_seconds - 86399) / 86400;
	int64_t secs = unix_seconds - days * 86400;
	int64_t year;

	civil_from_days(days, &year, &tm->month, &tm->day);
	tm->year = (int)year;
	tm->hour = (int)(secs / 3600);
	tm->minute = (int)(secs / 60 % 60);
	tm->second = (int)(secs % 60);

	/* 1970-01-01 was a Thursday. */
	tm->weekday = (int)(((days % 7) + 11) % 7);
	return 0;
}

static void put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

int fata_http_date_format(int64_t unix_seconds, char out[FATA_HTTP_DATE_LEN + 1])
{
	struct fata_http_tm tm;

	if (fata_http_time_split(unix_seconds, &tm) != 0)
		return FATA_EINVAL;

	/* "Sun, 06 Nov 1994 08:49:37 GMT" */
	memcpy(out, day_names[tm.weekday], 3);
	memcpy(out + 3, ", ", 2);
	put2(out + 5, tm.day);
	out[7] = ' ';
	memcpy(out + 8, month_names[tm.month - 1], 3);
	out[11] = ' ';
	put2(out + 12, tm.year / 100);
	put2(out + 14, tm.year % 100);
	out[16] = ' ';
	put2(out + 17, tm.hour);
	out[19] = ':';
	put2(out + 20, tm.minute);
	out[22] = ':';
	put2(out + 23, tm.second);
	memcpy(out + 25, " GMT", 4);
	out[FATA_HTTP_DATE_LEN] = '\0';
	return FATA_HTTP_DATE_LEN;
}

/* Reads `n` digits at s (spaces allowed in front when `pad`). Returns -1 if invalid. */
static int read_num(const char *s, size_t n, int pad)
{
	int v = 0;
	int seen = 0;

	for (size_t i = 0; i < n; i++) {
		if (pad && !seen && s[i] == ' ' && i + 1 < n)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
		seen = 1;
	}
	return v;
}

static int month_index(const char *s)
{
	for (int i = 0; i < 12; i++) {
		if (memcmp(s, month_names[i], 3) == 0)
			return i + 1;
	}
	return -1;
}

static int short_day_valid(const char *s)
{
	for (int i = 0; i < 7; i++) {
		if (memcmp(s, day_names[i], 3) == 0)
			return 1;
	}
	return 0;
}

/* Parses "HH:MM:SS" into seconds of the day, or -1. */
static int64_t read_clock(const char *s)
{
	if (s[2] != ':' || s[5] != ':')
		return -1;

	int h = read_num(s, 2, 0);
	int m = read_num(s + 3, 2, 0);
	int sec = read_num(s + 6, 2, 0);

	/* second = 2DIGIT allows 60, a leap second. */
	if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60)
		return -1;
	return (int64_t)h * 3600 + m * 60 + sec;
}

static int combine(int64_t year, int month, int day, int64_t clock, int64_t *out)
{
	if (month < 1 || day < 1 || day > days_in_month(year, month) || clock < 0)
		return FATA_EINVAL;
	*out = days_from_civil(year, month, day) * 86400 + clock;
	return 0;
}

/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT". */
static int parse_imf(const char *t, int64_t *out)
{
	if (!short_day_valid(t) || memcmp(t + 3, ", ", 2) != 0 || t[7] != ' ' || t[11] != ' '
			|| t[16] != ' ' || memcmp(t + 25, " GMT", 4) != 0)
		return FATA_EINVAL;

	int day = read_num(t + 5, 2, 0);
	int year = read_num(t + 12, 4, 0);

	if (day < 0 || year < 1)
		return FATA_EINVAL;
	return combine(year, month_index(t + 8), day, read_clock(t + 17), out);
}

/* asctime: "Sun Nov  6 08:49:37 1994". */
static int parse_asctime(const char *t, int64_t *out)
{
	if (!short_day_valid(t) || t[3] != ' ' || t[7] != ' ' || t[10] != ' ' || t[19] != ' ')
		return FATA_EINVAL;

	int day = read_num(t + 8, 2, 1);
	int year = read_num(t + 20, 4, 0);

	if (day < 0 || year < 1)
		return FATA_EINVAL;
	return combine(year, month_index(t + 4), day, read_clock(t + 11), out);
}

/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT". */
static int parse_rfc850(const char *t, size_t len, int64_t now_seconds, int64_t *out)
{
	size_t name_len = 0;

	for (int i = 0; i < 7; i++) {
		size_t n = strlen(day_names_long[i]);

		if (len > n && memcmp(t, day_names_long[i], n) == 0)
			name_len = n;
	}
	if (name_len == 0 || len != name_len + 24)
		return FATA_EINVAL;

	const char *s = t + name_len;

	if (memcmp(s, ", ", 2) != 0 || s[4] != '-' || s[8] != '-' || s[11] != ' '
			|| memcmp(s + 20, " GMT", 4) != 0)
		return FATA_EINVAL;

	int day = read_num(s + 2, 2, 0);
	int yy = read_num(s + 9, 2, 0);
	struct fata_http_tm now;

	if (day < 0 || yy < 0)
		return FATA_EINVAL;
	if (fata_http_time_split(now_seconds, &now) != 0)
		now.year = 1970;

	/* RFC 9110 section 5.6.7: more than 50 years ahead means the century before. */
	int64_t year = (int64_t)(now.year / 100) * 100 + yy;

	if (year > now.year + 50)
		year -= 100;
	return combine(year, month_index(s + 5), day, read_clock(s + 12), out);
}

int fata_http_date_parse(const char *text, size_t len, int64_t now_seconds, int64_t *unix_seconds)
{
	int64_t v;
	int rc;

	if (len == FATA_HTTP_DATE_LEN)
		rc = parse_imf(text, &v);
	else if (len == 24)
		rc = parse_asctime(text, &v);
	else
		rc = parse_rfc850(text, len, now_seconds, &v);
	if (rc != 0)
		return FATA_EINVAL;
	*unix_seconds = v;
	return 0;
}
