package feishu_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/feishu"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want feishu.Kind
	}{
		{feishu.Usagef("--to: bad"), feishu.KindUsage},
		{&feishu.LimitError{What: "x", Size: 2, Limit: 1}, feishu.KindUsage},
		{fmt.Errorf("wrapped: %w", feishu.ErrNoCredentials), feishu.KindUsage},
		{&feishu.APIError{Endpoint: feishu.EndpointMessagesCreate, Code: 230002}, feishu.KindRejected},
		{&feishu.APIError{Endpoint: feishu.EndpointMessagesCreate, Code: 99991663}, feishu.KindAuth},
		{&feishu.APIError{Endpoint: feishu.EndpointMessagesCreate, HTTPStatus: 503}, feishu.KindTransient},
		{&feishu.NetworkError{Endpoint: "webhook", Err: errors.New("reset")}, feishu.KindTransient},
		{context.DeadlineExceeded, feishu.KindTransient},
		{fmt.Errorf("%w: %w", &feishu.InterruptedError{Signal: "terminated"}, &feishu.NetworkError{Err: errors.New("x")}), feishu.KindInterrupted},
		{context.Canceled, feishu.KindInterrupted},
		{errors.New("boom"), feishu.KindInternal},
	} {
		if got := feishu.Classify(tc.err); got != tc.want {
			t.Errorf("Classify(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}
