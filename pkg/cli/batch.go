package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/feishu-push/feishu-push/pkg/feishu"
)

// prepareBatch groups user recipients into batch_send requests of at most
// 200 ids of one type each.
func (f *Factory) prepareBatch(client *feishu.Client, rcpts []feishu.Recipient, msg feishu.Message, o *SendOptions) ([]job, *feishu.Client, error) {
	if o.UUID != "" {
		return nil, nil, usageErrorf("--uuid is not used with --batch: batch_send has no de-duplication")
	}
	byType := map[string][]feishu.Recipient{}
	var order []string
	for _, r := range rcpts {
		switch r.IDType {
		case feishu.IDTypeOpenID, feishu.IDTypeUserID, feishu.IDTypeUnionID:
		default:
			return nil, nil, usageErrorf("--batch sends to users by open_id, user_id or union_id: %s is a %s", r, r.IDType)
		}
		if _, ok := byType[r.IDType]; !ok {
			order = append(order, r.IDType)
		}
		byType[r.IDType] = append(byType[r.IDType], r)
	}
	var jobs []job
	for _, typ := range order {
		list := byType[typ]
		for start := 0; start < len(list); start += feishu.MaxBatchIDs {
			members := list[start:min(start+feishu.MaxBatchIDs, len(list))]
			var br feishu.BatchRecipients
			for _, m := range members {
				switch typ {
				case feishu.IDTypeOpenID:
					br.OpenIDs = append(br.OpenIDs, m.ID)
				case feishu.IDTypeUserID:
					br.UserIDs = append(br.UserIDs, m.ID)
				default:
					br.UnionIDs = append(br.UnionIDs, m.ID)
				}
			}
			req, err := client.Messages.NewBatchSendRequest(msg, br)
			if err != nil {
				return nil, nil, inputError(err)
			}
			jobs = append(jobs, job{to: fmt.Sprintf("batch %d (%d %ss)", len(jobs)+1, len(members), typ), msg: msg, req: req, members: members})
		}
	}
	return jobs, client, nil
}

// deliverBatch sends the batches and reports one result per recipient:
// delivered, or listed by Feishu as invalid.
func (f *Factory) deliverBatch(ctx context.Context, s *Settings, command string, jobs []job, client *feishu.Client,
	notifier *notifier, log zerolog.Logger, stats *runStats, start time.Time) error {
	var results []Result
	var failures []failure
	for _, j := range jobs {
		t0 := time.Now()
		var (
			res  *feishu.BatchResult
			resp *feishu.Response
			err  error
		)
		if ctx.Err() != nil {
			err = &notSentError{fmt.Errorf("not sent: %w", context.Cause(ctx))}
		} else {
			res, resp, err = client.Messages.BatchSend(ctx, j.req)
		}
		if err != nil {
			f.reportFailure(j.to, err, "")
		}
		invalid := map[string]bool{}
		if res != nil {
			for _, l := range [][]string{res.InvalidOpenIDs, res.InvalidUserIDs, res.InvalidUnionIDs} {
				for _, id := range l {
					invalid[id] = true
				}
			}
		}
		for _, m := range j.members {
			mj := job{to: m.String(), rcpt: m, msg: j.msg}
			r := Result{To: mj.to, ReceiveIDType: m.IDType}
			if resp != nil {
				r.Attempts = resp.Attempts
			}
			merr := err
			if err == nil && invalid[m.ID] {
				merr = &feishu.APIError{Endpoint: feishu.EndpointBatchSend, HTTPStatus: 200, Msg: fmt.Sprintf("Feishu lists %s as an invalid %s (batch %s)", m.ID, m.IDType, res.MessageID)}
				f.reportFailure(mj.to, merr, "")
			}
			if merr != nil {
				r.Error = resultError(merr)
				stats.failed++
				failures = append(failures, failure{to: mj.to, err: merr})
			} else {
				r.OK, r.MessageID = true, res.MessageID
				stats.sent++
				if !s.JSON {
					fmt.Fprintf(f.IO.Out, "%s\t%s\n", r.To, r.MessageID)
				}
			}
			logResult(log, mj, r, merr, time.Since(t0), resp)
			results = append(results, r)
		}
	}
	total := len(results)
	return f.finish(ctx, s, command, total, results, failures, notifier, log, *stats, start)
}
