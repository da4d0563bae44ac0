package feishu

import (
	"context"
	"sync"

	"golang.org/x/time/rate"
)

// Limits are request rates a sender keeps to, so that Feishu never has to
// refuse: per app (or per webhook) per second and per minute, and per
// recipient per second. Zero means no limit.
type Limits struct {
	PerSecond    float64
	PerMinute    float64
	PerRecipient float64
	// Burst is how many requests may go at once before the per-second rate
	// applies; 1 spaces them evenly.
	Burst int
}

// Documented limits of Feishu for sending messages.
var (
	// AppLimits: im/v1 send is tier 4, 50/s and 1000/min per app, and 5/s
	// to one user or chat. Feishu counts in windows (x-ogw-ratelimit-reset
	// is the seconds until the window resets), so most of a second's 50 may
	// leave at once; 40 keeps a margin of 200 ms for clocks and networks to
	// disagree.
	AppLimits = Limits{PerSecond: 50, PerMinute: 1000, PerRecipient: 5, Burst: 40}
	// WebhookLimits: a custom bot takes 5/s and 100/min.
	WebhookLimits = Limits{PerSecond: 5, PerMinute: 100, Burst: 1}
)

// RateLimiter paces requests to stay within Limits: one set of buckets for
// app sends (im/v1 and batch_send), one for the webhook, one per recipient.
// It is safe for concurrent use; one limiter serves a whole run.
type RateLimiter struct {
	app, hook Limits

	mu         sync.Mutex
	buckets    map[string][]*rate.Limiter
	recipients map[string]*rate.Limiter
}

// NewRateLimiter returns a limiter for app sends and webhook posts.
func NewRateLimiter(app, webhook Limits) *RateLimiter {
	return &RateLimiter{app: app, hook: webhook, buckets: map[string][]*rate.Limiter{}, recipients: map[string]*rate.Limiter{}}
}

// WithRateLimiter paces message requests with l.
func WithRateLimiter(l *RateLimiter) Option { return func(c *Client) { c.limiter = l } }

// Indexes of the buckets newBuckets returns.
const (
	perSecond = 0
	perMinute = 1
)

// newBuckets returns the per-second and per-minute buckets; a limit of 0
// gets an unlimited bucket.
func newBuckets(l Limits) []*rate.Limiter {
	bucket := func(perSec float64, burst int) *rate.Limiter {
		if perSec <= 0 {
			return rate.NewLimiter(rate.Inf, 0)
		}
		return rate.NewLimiter(rate.Limit(perSec), max(burst, 1))
	}
	// Most of a minute's worth may go at once, as Feishu's window allows;
	// 200 ms worth stays back as a margin, as for the burst.
	minuteBurst := int(l.PerMinute - l.PerMinute/60*0.2)
	return []*rate.Limiter{perSecond: bucket(l.PerSecond, l.Burst), perMinute: bucket(l.PerMinute/60, minuteBurst)}
}

// Wait blocks until req may be sent, or ctx is done. Every attempt waits
// for the per-second and per-recipient limits: a retry that skipped the
// line would find each token taken by paced first attempts and starve into
// Feishu's 99991400. The per-minute budget is charged for a first attempt
// and for a retry after an attempt Feishu may have counted (its answer was
// lost: chargeMinute true), but not for a retry after Feishu answered with
// a refusal, which would cost a long run a minute's share for every fault.
func (l *RateLimiter) Wait(ctx context.Context, req *Request, chargeMinute bool) error {
	var limits Limits
	switch req.Endpoint {
	case EndpointMessagesCreate, EndpointBatchSend:
		limits = l.app
	case EndpointWebhook:
		limits = l.hook
	default:
		return nil
	}
	l.mu.Lock()
	bs, ok := l.buckets[req.Endpoint]
	if !ok {
		bs = newBuckets(limits)
		l.buckets[req.Endpoint] = bs
	}
	var rb *rate.Limiter
	if req.rateKey != "" && limits.PerRecipient > 0 {
		if rb = l.recipients[req.rateKey]; rb == nil {
			rb = rate.NewLimiter(rate.Limit(limits.PerRecipient), 1)
			l.recipients[req.rateKey] = rb
		}
	}
	l.mu.Unlock()
	if rb != nil {
		if err := rb.Wait(ctx); err != nil {
			return err
		}
	}
	for i, b := range bs {
		if !chargeMinute && i == perMinute {
			continue
		}
		if err := b.Wait(ctx); err != nil {
			return err
		}
	}
	return nil
}
