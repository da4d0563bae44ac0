package feishu

import (
	"context"
	"fmt"
	"net/http"
)

// MaxBatchIDs is the most ids one batch_send list may hold.
const MaxBatchIDs = 200

// BatchRecipients are the users (and departments) of one batch_send. Chats
// cannot be batch recipients.
type BatchRecipients struct {
	OpenIDs       []string `json:"open_ids,omitempty"`
	UserIDs       []string `json:"user_ids,omitempty"`
	UnionIDs      []string `json:"union_ids,omitempty"`
	DepartmentIDs []string `json:"department_ids,omitempty"`
}

// BatchResult is batch_send's answer: one message id for the batch and the
// ids Feishu could not deliver to.
type BatchResult struct {
	MessageID            string   `json:"message_id"`
	InvalidOpenIDs       []string `json:"invalid_open_ids"`
	InvalidUserIDs       []string `json:"invalid_user_ids"`
	InvalidUnionIDs      []string `json:"invalid_union_ids"`
	InvalidDepartmentIDs []string `json:"invalid_department_ids"`
}

// NewBatchSendRequest prepares POST /open-apis/message/v4/batch_send/, the
// legacy API that sends one message to up to 200 ids per list, users and
// departments only. Unlike im/v1 its content is an object (a card goes in
// "card") and it has no uuid, so it is retried only when an answer proves
// it was not taken.
//
// See https://open.feishu.cn/document/server-docs/im-v1/batch_message/send-messages-in-batches.
func (s *MessagesService) NewBatchSendRequest(m Message, to BatchRecipients) (*Request, error) {
	lists := map[string][]string{"open_ids": to.OpenIDs, "user_ids": to.UserIDs, "union_ids": to.UnionIDs, "department_ids": to.DepartmentIDs}
	n := 0
	for name, l := range lists {
		if len(l) > MaxBatchIDs {
			return nil, fmt.Errorf("batch %s has %d ids, over Feishu's %d", name, len(l), MaxBatchIDs)
		}
		n += len(l)
	}
	if n == 0 {
		return nil, fmt.Errorf("a batch needs at least one recipient")
	}
	body, err := objectBody(m)
	if err != nil {
		return nil, err
	}
	for name, l := range lists {
		if len(l) > 0 {
			body[name] = l
		}
	}
	req, err := s.client.newJSONRequest(EndpointBatchSend, http.MethodPost, s.client.baseURL+"/open-apis/message/v4/batch_send/", body)
	if err != nil {
		return nil, err
	}
	limit := MaxCardBody
	if m.MsgType == MsgTypeText {
		limit = MaxTextBody
	}
	if len(req.Body) > limit {
		return nil, &LimitError{What: "batch message body", Size: len(req.Body), Limit: limit}
	}
	req.needsToken = true
	return req, nil
}

// BatchSend sends a prepared batch request.
func (s *MessagesService) BatchSend(ctx context.Context, req *Request) (*BatchResult, *Response, error) {
	return doData[BatchResult](ctx, s.client, req)
}
