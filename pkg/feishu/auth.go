package feishu

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"sync"
	"time"
	"weak"
)

// TokenRefreshMargin is how long before its expiry a cached tenant token is
// replaced, as the official SDKs do.
const TokenRefreshMargin = 3 * time.Minute

// ErrNoCredentials is returned when an app-bot call is made on a Client
// without an app id and secret.
var ErrNoCredentials = errors.New("no app credentials: set the app id and app secret")

// Token is a tenant access token and the time it stops being valid.
type Token struct {
	Value     string
	ExpiresAt time.Time
}

// TokenStore keeps tenant tokens between processes. Implementations must be
// safe for concurrent use by several processes and must never store the app
// secret. Keys are opaque strings built from the base URL and the app id.
type TokenStore interface {
	// Load returns the token stored under key, if any.
	Load(key string) (Token, bool)
	// Save stores tok under key.
	Save(key string, tok Token) error
	// Delete forgets the token under key.
	Delete(key string) error
}

type tokenResponse struct {
	TenantAccessToken string `json:"tenant_access_token"`
	Expire            int    `json:"expire"`
}

// NewTenantTokenRequest prepares POST /open-apis/auth/v3/tenant_access_token/internal.
//
// See https://open.feishu.cn/document/server-docs/authentication-management/access-token/tenant_access_token_internal.
func (s *AuthService) NewTenantTokenRequest() (*Request, error) {
	c := s.client
	if c.appID == "" || c.appSecret == "" {
		return nil, ErrNoCredentials
	}
	req, err := c.newJSONRequest(EndpointTenantToken, http.MethodPost,
		c.baseURL+"/open-apis/auth/v3/tenant_access_token/internal",
		map[string]string{"app_id": c.appID, "app_secret": c.appSecret})
	if err != nil {
		return nil, err
	}
	req.idempotent = true
	return req, nil
}

// TenantToken returns a valid tenant access token, from the client's cache,
// the token store, or Feishu, in that order.
func (s *AuthService) TenantToken(ctx context.Context) (Token, error) {
	if _, err := s.tenantToken(ctx); err != nil {
		return Token{}, err
	}
	c := s.client
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	return Token{Value: c.token, ExpiresAt: c.tokenExp}, nil
}

func (s *AuthService) storeKey() string { return s.client.baseURL + "|" + s.client.appID }

// TokenFailureHold is how long a failed token fetch is remembered: every
// caller in that time gets the same error at once instead of asking again,
// so an outage of the token endpoint costs one fetch (with its retries) per
// interval, not one per recipient.
const TokenFailureHold = 15 * time.Second

// authState is a Client's token fetch in progress and its last failure.
// It is guarded by the client's tokenMu, which is only held to look at or
// change state, never across a request or a backoff.
type authState struct {
	flight    *tokenFlight
	failErr   error
	failUntil time.Time
}

// tokenFlight is one fetch that concurrent callers share.
type tokenFlight struct {
	done chan struct{}
	err  error
}

// authStates maps each Client (weakly, so a dropped Client is collected)
// to its authState.
var authStates sync.Map // weak.Pointer[Client] -> *authState

func (s *AuthService) state() *authState {
	k := weak.Make(s.client)
	if v, ok := authStates.Load(k); ok {
		return v.(*authState)
	}
	v, loaded := authStates.LoadOrStore(k, &authState{})
	if !loaded {
		runtime.AddCleanup(s.client, func(k weak.Pointer[Client]) { authStates.Delete(k) }, k)
	}
	return v.(*authState)
}

// tenantToken returns a valid token. Concurrent callers share one fetch;
// a failed fetch is shared for TokenFailureHold; a caller whose ctx ends
// stops waiting at once.
func (s *AuthService) tenantToken(ctx context.Context) (string, error) {
	c := s.client
	st := s.state()
	for {
		c.tokenMu.Lock()
		now := c.now()
		if c.token != "" && now.Before(c.tokenExp.Add(-TokenRefreshMargin)) {
			tok := c.token
			c.tokenMu.Unlock()
			return tok, nil
		}
		if c.store != nil {
			if tok, ok := c.store.Load(s.storeKey()); ok && tok.Value != "" && now.Before(tok.ExpiresAt.Add(-TokenRefreshMargin)) {
				c.token, c.tokenExp = tok.Value, tok.ExpiresAt
				c.tokenMu.Unlock()
				return tok.Value, nil
			}
		}
		if err := c.tokenErr; err != nil {
			c.tokenMu.Unlock()
			return "", err
		}
		if st.failErr != nil && now.Before(st.failUntil) {
			err := st.failErr
			c.tokenMu.Unlock()
			return "", err
		}
		if fl := st.flight; fl != nil {
			c.tokenMu.Unlock()
			select {
			case <-fl.done:
				if fl.err != nil && !errors.Is(fl.err, context.Canceled) && !errors.Is(fl.err, context.DeadlineExceeded) {
					return "", fl.err
				}
				continue // a token, or the fetching caller gave up: look again
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}
		fl := &tokenFlight{done: make(chan struct{})}
		st.flight = fl
		c.tokenMu.Unlock()

		tok, err := s.fetch(ctx, now)

		c.tokenMu.Lock()
		st.flight = nil
		fl.err = err
		switch {
		case err == nil:
			c.token, c.tokenExp = tok.Value, tok.ExpiresAt
			st.failErr = nil
		case ctx.Err() == nil:
			// Remembered only when this caller did not give up: the
			// failure is the endpoint's, not the caller's.
			st.failErr, st.failUntil = err, c.now().Add(TokenFailureHold)
			var apiErr *APIError
			if errors.As(err, &apiErr) && apiErr.Kind() == KindAuth {
				// Wrong credentials stay wrong: later messages of this
				// run fail with the same error instead of asking again.
				c.tokenErr = err
			}
		}
		close(fl.done)
		c.tokenMu.Unlock()
		if err != nil {
			return "", err
		}
		if c.store != nil {
			// A store that cannot save costs one extra token fetch next
			// time; it reports its own trouble.
			_ = c.store.Save(s.storeKey(), tok)
		}
		return tok.Value, nil
	}
}

// fetch asks Feishu for a new token, without holding tokenMu.
func (s *AuthService) fetch(ctx context.Context, now time.Time) (Token, error) {
	c := s.client
	req, err := s.NewTenantTokenRequest()
	if err != nil {
		return Token{}, err
	}
	var tr tokenResponse
	resp, err := c.Do(ctx, req, &tr)
	if err != nil {
		return Token{}, err
	}
	if tr.TenantAccessToken == "" || tr.Expire <= 0 {
		return Token{}, &APIError{Endpoint: EndpointTenantToken, HTTPStatus: resp.HTTPStatus, Msg: "response has no tenant_access_token or expire", LogID: resp.LogID}
	}
	return Token{Value: tr.TenantAccessToken, ExpiresAt: now.Add(time.Duration(tr.Expire) * time.Second)}, nil
}

// invalidate drops token from the cache and the store if it is still the
// current one, so the next call fetches a new token.
func (s *AuthService) invalidate(token string) {
	c := s.client
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	if c.token == token {
		c.token, c.tokenExp = "", time.Time{}
	}
	if c.store != nil {
		if tok, ok := c.store.Load(s.storeKey()); ok && tok.Value == token {
			_ = c.store.Delete(s.storeKey())
		}
	}
}
