// Package validate checks numeric settings (rates, durations, counts)
// before they are used, so that NaN, infinities, negative and absurd values
// are a usage error naming the flag instead of pacing turned off or a wait
// that never ends.
package validate

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Bounds for the settings feishu-push has. A rate below the minimum would
// wait longer than any run lasts; above the maximum it would not pace at
// all (Feishu allows 50/s per app).
const (
	MinRate          = 0.01 // messages per second: one every 100 s
	MaxRate          = 1000
	MinRatePerMinute = 0.1
	MaxRatePerMinute = 60000
	MaxTimeout       = 10 * time.Minute
	MaxRetryWait     = 24 * time.Hour
	MaxDeadline      = 7 * 24 * time.Hour
	MaxRetries       = 100
	MaxWorkers       = 256
	MaxBurst         = 1000
)

// Rate checks a rate given with flag: a finite number in [min, max].
func Rate(flag string, v, min, max float64) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return fmt.Errorf("%s %v: not a number; want %s to %s", flag, v, num(min), num(max))
	case v < min || v > max:
		return fmt.Errorf("%s %s: want %s to %s", flag, num(v), num(min), num(max))
	}
	return nil
}

// Duration checks a duration given with flag: in [min, max].
func Duration(flag string, d, min, max time.Duration) error {
	if d < min || d > max {
		return fmt.Errorf("%s %v: want %v to %v", flag, d, min, max)
	}
	return nil
}

// Count checks a whole number given with flag: in [min, max].
func Count(flag string, n, min, max int) error {
	if n < min || n > max {
		return fmt.Errorf("%s %d: want %d to %d", flag, n, min, max)
	}
	return nil
}

// ParseRate parses a rate as a user wrote it (a flag, an environment
// variable, a config value) and checks it with Rate. Forms strconv accepts
// but a person would not mean ("NaN", "Inf", "0x1p-4", "1_000") are refused.
func ParseRate(flag, s string, min, max float64) (float64, error) {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return 0, fmt.Errorf("%s %q: not a decimal number", flag, s)
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%s %q: not a decimal number", flag, s)
	}
	return v, Rate(flag, v, min, max)
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// Text checks message text given with flag (or read from a file named by
// flag): valid UTF-8 and no NUL byte, the same rule wherever text comes
// from, so that --text and --text-file refuse the same input.
func Text(flag, s string) error {
	if !utf8.ValidString(s) {
		i := 0
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			i += n
		}
		return fmt.Errorf("%s: not valid UTF-8 (at byte %d)", flag, i)
	}
	if i := strings.IndexByte(s, 0); i >= 0 {
		return fmt.Errorf("%s: contains a NUL byte (at byte %d)", flag, i)
	}
	return nil
}
