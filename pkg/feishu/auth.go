package feishu

import (
	"context"
	"errors"
	"net/http"
	"time"
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

func (s *AuthService) tenantToken(ctx context.Context) (string, error) {
	c := s.client
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	now := c.now()
	if c.token != "" && now.Before(c.tokenExp.Add(-TokenRefreshMargin)) {
		return c.token, nil
	}
	if c.store != nil {
		if tok, ok := c.store.Load(s.storeKey()); ok && tok.Value != "" && now.Before(tok.ExpiresAt.Add(-TokenRefreshMargin)) {
			c.token, c.tokenExp = tok.Value, tok.ExpiresAt
			return c.token, nil
		}
	}
	if c.tokenErr != nil {
		return "", c.tokenErr
	}
	req, err := s.NewTenantTokenRequest()
	if err != nil {
		return "", err
	}
	var tr tokenResponse
	resp, err := c.Do(ctx, req, &tr)
	if err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Kind() == KindAuth {
			// Wrong credentials stay wrong: later messages of this run fail
			// with the same error instead of asking again.
			c.tokenErr = err
		}
		return "", err
	}
	if tr.TenantAccessToken == "" || tr.Expire <= 0 {
		return "", &APIError{Endpoint: EndpointTenantToken, HTTPStatus: resp.HTTPStatus, Msg: "response has no tenant_access_token or expire", LogID: resp.LogID}
	}
	c.token = tr.TenantAccessToken
	c.tokenExp = now.Add(time.Duration(tr.Expire) * time.Second)
	if c.store != nil {
		// A store that cannot save costs one extra token fetch next time;
		// it reports its own trouble.
		_ = c.store.Save(s.storeKey(), Token{Value: c.token, ExpiresAt: c.tokenExp})
	}
	return c.token, nil
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
