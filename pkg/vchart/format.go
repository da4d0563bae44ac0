package vchart

import (
	"math"
	"strconv"
	"strings"
)

// Ticks returns round tick values (1, 2 or 5 times a power of ten apart)
// covering lo..hi with about n intervals.
func Ticks(lo, hi float64, n int) []float64 {
	if n < 1 {
		n = 1
	}
	if hi < lo {
		lo, hi = hi, lo
	}
	if hi == lo {
		if hi == 0 {
			hi = 1
		} else if hi > 0 {
			lo = 0
		} else {
			hi = 0
		}
	}
	step := niceStep(lo, hi, n)
	start := math.Floor(lo/step+1e-9) * step
	end := math.Ceil(hi/step-1e-9) * step
	var out []float64
	for i := 0; ; i++ {
		v := start + float64(i)*step
		if v > end+step/2 || i > 100 {
			break
		}
		out = append(out, cleanFloat(v, step))
	}
	return out
}

// niceStep picks the round step (1, 2, 2.5 or 5 times a power of ten)
// whose ticks over lo..hi come closest to n intervals, then waste least.
func niceStep(lo, hi float64, n int) float64 {
	raw := (hi - lo) / float64(n)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	best, bestScore := 0.0, math.Inf(1)
	for _, q := range []float64{p / 10, p, p * 10} {
		for _, m := range []float64{1, 2, 2.5, 5} {
			step := m * q
			if m == 2.5 && q < 10 {
				continue // quarter steps below 10 need a second decimal
			}
			k := math.Ceil(hi/step-1e-9) - math.Floor(lo/step+1e-9)
			waste := (k*step - (hi - lo)) / (hi - lo)
			score := math.Abs(k-float64(n)) + waste
			if score < bestScore {
				best, bestScore = step, score
			}
		}
	}
	return best
}

// cleanFloat removes the float noise of repeated additions.
func cleanFloat(v, step float64) float64 {
	d := decimalsFor(step)
	p := math.Pow(10, float64(d))
	return math.Round(v*p) / p
}

func decimalsFor(step float64) int {
	d := 0
	for d < 6 && math.Abs(step*math.Pow(10, float64(d))-math.Round(step*math.Pow(10, float64(d)))) > 1e-6 {
		d++
	}
	return d
}

// AxisLabels formats an axis' ticks alike: thousands separators, or for
// Chinese money one unit (万 or 亿, by the largest tick) for every tick, with
// as many decimals as the step needs.
func AxisLabels(ticks []float64, money bool) []string {
	step, top := 1.0, 0.0
	if len(ticks) > 1 {
		step = ticks[1] - ticks[0]
	}
	for _, t := range ticks {
		top = math.Max(top, math.Abs(t))
	}
	unit, suffix := 1.0, ""
	if money && top >= 1e8 {
		unit, suffix = 1e8, "亿"
	} else if money && top >= 1e4 {
		unit, suffix = 1e4, "万"
	}
	out := make([]string, len(ticks))
	for i, t := range ticks {
		if t == 0 {
			out[i] = "0"
			continue
		}
		out[i] = Group(t/unit, decimalsFor(step/unit)) + suffix
	}
	return out
}

// ValueLabel formats a data value compactly for a label on a bar or slice:
// 32,000 or 3.2万, with at most two decimals.
func ValueLabel(v float64, money bool) string {
	if money && math.Abs(v) >= 1e4 {
		if math.Abs(v) >= 1e8 {
			return trimZeros(Group(v/1e8, 2)) + "亿"
		}
		return trimZeros(Group(v/1e4, 2)) + "万"
	}
	d := 0
	if v != math.Trunc(v) {
		d = 2
	}
	return trimZeros(Group(v, d))
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// Group writes v with d decimals and a comma between thousands.
func Group(v float64, d int) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', d, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if v < 0 && strings.Trim(s, "0.") != "" {
		b.WriteByte('-')
	}
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
}
