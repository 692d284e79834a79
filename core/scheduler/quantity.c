/* Kubernetes resource quantities ("100m", "1.5Gi", "2e3") as integers. */
#include "build-config.h"

#include <kcore/scheduler.h>
#include <string.h>

typedef struct
{
  const char *suffix;
  int decimal_exponent; /* 10^n */
  int binary_exponent;  /* 2^n */
} QuantitySuffix;

/* Longest first, so "Mi" is not read as "M". */
static const QuantitySuffix suffixes[] = {
  { "Ki", 0, 10 }, { "Mi", 0, 20 }, { "Gi", 0, 30 }, { "Ti", 0, 40 },
  { "Pi", 0, 50 }, { "Ei", 0, 60 }, { "n", -9, 0 },  { "u", -6, 0 },
  { "m", -3, 0 },  { "k", 3, 0 },   { "M", 6, 0 },   { "G", 9, 0 },
  { "T", 12, 0 },  { "P", 15, 0 },  { "E", 18, 0 },  { "", 0, 0 },
};

static gboolean
parse_suffix (const char *s, int *decimal, int *binary)
{
  if (*s == 'e' || *s == 'E')
    {
      /* "1e3": an exponent, but "1E" alone is the exa suffix. */
      if (s[1] != '\0')
        {
          char *end = NULL;
          gint64 e = g_ascii_strtoll (s + 1, &end, 10);
          if (end == s + 1 || *end != '\0' || e < -30 || e > 30)
            return FALSE;
          *decimal += (int)e;
          return TRUE;
        }
    }
  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    if (strcmp (s, suffixes[i].suffix) == 0)
      {
        *decimal += suffixes[i].decimal_exponent;
        *binary = suffixes[i].binary_exponent;
        return TRUE;
      }
  return FALSE;
}

gboolean
kc_sched_parse_quantity (const char *text, gboolean milli, gint64 *out)
{
  g_return_val_if_fail (out != NULL, FALSE);
  if (text == NULL || *text == '\0')
    return FALSE;

  const char *p = text;
  gboolean negative = FALSE;
  if (*p == '+' || *p == '-')
    negative = *p++ == '-';

  /* The mantissa as an exact integer and a power of ten. */
  unsigned __int128 mantissa = 0;
  int decimal = 0;
  gboolean digits = FALSE, point = FALSE;
  for (; (*p >= '0' && *p <= '9') || *p == '.'; p++)
    {
      if (*p == '.')
        {
          if (point)
            return FALSE;
          point = TRUE;
          continue;
        }
      digits = TRUE;
      if (mantissa > ((unsigned __int128)1 << 100))
        return FALSE;
      mantissa = mantissa * 10 + (unsigned)(*p - '0');
      if (point)
        decimal--;
    }
  if (!digits)
    return FALSE;

  int binary = 0;
  if (!parse_suffix (p, &decimal, &binary))
    return FALSE;
  if (milli)
    decimal += 3;

  if (binary > 0 && (mantissa >> (120 - binary)) != 0)
    return FALSE;
  unsigned __int128 value = mantissa << binary;
  for (; decimal > 0; decimal--)
    {
      if (value > ((unsigned __int128)G_MAXINT64) * 10)
        return FALSE;
      value *= 10;
    }
  if (decimal < 0)
    {
      unsigned __int128 divisor = 1;
      for (; decimal < 0; decimal++)
        divisor *= 10;
      /* Kubernetes rounds a fraction up: "100m" of a whole unit is 1. */
      value = (value + divisor - 1) / divisor;
    }
  if (value > (unsigned __int128)G_MAXINT64)
    return FALSE;
  *out = negative ? -(gint64)value : (gint64)value;
  return TRUE;
}
