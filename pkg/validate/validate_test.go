package validate_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/validate"
)

func TestRate(t *testing.T) {
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), -1, 0, 1e-300, 1e300, 1001} {
		err := validate.Rate("--rate", v, validate.MinRate, validate.MaxRate)
		if err == nil || !strings.HasPrefix(err.Error(), "--rate ") {
			t.Errorf("Rate(%v) = %v", v, err)
		}
	}
	for _, v := range []float64{0.01, 5, 50, 1000} {
		if err := validate.Rate("--rate", v, validate.MinRate, validate.MaxRate); err != nil {
			t.Errorf("Rate(%v) = %v", v, err)
		}
	}
}

func TestParseRate(t *testing.T) {
	for _, s := range []string{"NaN", "nan", "+Inf", "inf", "Infinity", "0x1p-4", "1_000", "", "5/s", "1e-300", "-3"} {
		if v, err := validate.ParseRate("--rate", s, validate.MinRate, validate.MaxRate); err == nil {
			t.Errorf("ParseRate(%q) = %v", s, v)
		}
	}
	if v, err := validate.ParseRate("--rate", "2.5", validate.MinRate, validate.MaxRate); err != nil || v != 2.5 {
		t.Errorf("ParseRate(2.5) = %v, %v", v, err)
	}
}

func TestDurationAndCount(t *testing.T) {
	if err := validate.Duration("--timeout", -time.Second, time.Millisecond, validate.MaxTimeout); err == nil {
		t.Error("negative timeout accepted")
	}
	if err := validate.Duration("--timeout", 1<<62, time.Millisecond, validate.MaxTimeout); err == nil {
		t.Error("absurd timeout accepted")
	}
	if err := validate.Duration("--deadline", time.Hour, 0, validate.MaxDeadline); err != nil {
		t.Error(err)
	}
	if err := validate.Count("--workers", 0, 1, validate.MaxWorkers); err == nil || !strings.Contains(err.Error(), "--workers 0") {
		t.Errorf("workers 0: %v", err)
	}
}

func TestText(t *testing.T) {
	if err := validate.Text("--text", "磁盘 93% ✅"); err != nil {
		t.Error(err)
	}
	if err := validate.Text("--text", "ab\xffcd"); err == nil || !strings.Contains(err.Error(), "--text: not valid UTF-8 (at byte 2)") {
		t.Errorf("invalid UTF-8: %v", err)
	}
	if err := validate.Text("--text-file x.txt", "a\x00"); err == nil || !strings.Contains(err.Error(), "NUL") {
		t.Errorf("NUL: %v", err)
	}
}
