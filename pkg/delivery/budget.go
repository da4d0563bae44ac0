package delivery

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// RetryBudget bounds the time all messages of a run spend waiting between
// retries, together, and keeps every wait inside the run's deadline: a
// fan-out to many recipients during an outage fails (and spools) in
// bounded time instead of each message waiting out its own retries. Its
// Sleep is the client's wait between retries (feishu.WithSleep); when it
// refuses a wait, the client gives up on the message with its last error.
type RetryBudget struct {
	// Total is the time all waits of the run may add up to; 0 means no
	// bound beyond the deadline.
	Total time.Duration
	// Wait waits d or until ctx is done; nil for a timer.
	Wait func(ctx context.Context, d time.Duration) error

	mu    sync.Mutex
	spent time.Duration
}

// ErrRetryBudget is returned by Sleep for a wait the budget or the
// deadline does not allow.
var ErrRetryBudget = fmt.Errorf("no time left to retry")

// Sleep waits d, unless that would overrun the run's retry budget or the
// deadline of ctx; it returns early when ctx is done.
func (b *RetryBudget) Sleep(ctx context.Context, d time.Duration) error {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return ErrRetryBudget
	}
	b.mu.Lock()
	if b.Total > 0 && b.spent+d > b.Total {
		b.mu.Unlock()
		return ErrRetryBudget
	}
	b.spent += d
	b.mu.Unlock()
	if b.Wait != nil {
		return b.Wait(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// Spent is the time the run's waits have taken from the budget so far.
func (b *RetryBudget) Spent() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.spent
}
