package server

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/bbplan/bbplan/data"
)

// access is the least a route needs.
type access int

const (
	public     access = iota // no check (health, metrics, OGC landing)
	aggregates               // any token, or anonymous when enabled
	areas                    // any token (areas, scenarios, datasets)
	planners                 // admin or planner
)

// principal is who is asking.
type principal struct {
	role    string // admin, planner, committee, municipality or anonymous
	kommun  string // for the municipality role
	name    string
	tokenID int64
}

const roleAnonymous = "anonymous"

// actor names the principal in the audit log.
func (p principal) actor() string {
	switch {
	case p.role == roleAnonymous:
		return "http:anonymous"
	case p.kommun != "":
		return "http:token:" + p.name + "(" + p.role + ":" + p.kommun + ")"
	}
	return "http:token:" + p.name + "(" + p.role + ")"
}

// planner reports whether p may see operator plans and create scenarios.
func (p principal) planner() bool { return p.role == data.RoleAdmin || p.role == data.RolePlanner }

// scope is what p may see below aggregates.
func (p principal) scope() data.Scope {
	switch p.role {
	case data.RoleAdmin, data.RolePlanner:
		return data.Scope{Premises: true, Plans: true}
	case data.RoleMunicipality:
		return data.Scope{Premises: true, Kommun: p.kommun}
	}
	return data.Scope{}
}

// premisesIn reports whether p may see premise-level data of municipality code.
func (p principal) premisesIn(code string) bool {
	sc := p.scope()
	return sc.Premises && (sc.Kommun == "" || sc.Kommun == code)
}

// allows reports whether p meets need.
func (p principal) allows(need access) bool {
	switch need {
	case public, aggregates:
		return true
	case areas:
		return p.role != roleAnonymous
	case planners:
		return p.planner()
	}
	return false
}

type principalKey struct{}

// who returns the principal of an authenticated request.
func who(r *http.Request) principal {
	p, _ := r.Context().Value(principalKey{}).(principal)
	return p
}

// authenticate resolves the bearer token of r.
func (s *Server) authenticate(r *http.Request) (principal, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		if !s.cfg.Anonymous {
			return principal{}, &apiError{kind: kindUnauthorized, msg: "a bearer token is required"}
		}
		return principal{role: roleAnonymous, name: roleAnonymous}, nil
	}
	scheme, secret, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		return principal{}, &apiError{kind: kindUnauthorized, msg: "Authorization must be: Bearer TOKEN"}
	}
	secret = strings.TrimSpace(secret)
	if p, ok := s.tokens.get(secret); ok {
		return p, nil
	}
	t, err := s.read.LookupToken(r.Context(), secret)
	if errors.Is(err, data.ErrBadToken) {
		return principal{}, &apiError{kind: kindUnauthorized, msg: "unknown or revoked token"}
	}
	if err != nil {
		return principal{}, err
	}
	// Last use is recorded when the token is (re)looked up, at most once per
	// cache period, so that reads do not each become a write.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 2*time.Second)
	defer cancel()
	if err := s.write.TouchToken(ctx, t.ID); err != nil {
		s.log.Warn("recording token use", "token", t.ID, "error", err)
	}
	p := principal{role: t.Role, kommun: t.Kommun, name: t.Name, tokenID: t.ID}
	s.tokens.put(secret, p)
	return p, nil
}

// tokenCache remembers recently verified tokens for a short time; a revoked
// token stops working within that time.
type tokenCache struct {
	ttl     time.Duration
	max     int
	mu      sync.Mutex
	entries map[string]cachedToken // by the token's hash, never the token
}

type cachedToken struct {
	p       principal
	expires time.Time
}

func newTokenCache(ttl time.Duration, max int) *tokenCache {
	return &tokenCache{ttl: ttl, max: max, entries: map[string]cachedToken{}}
}

func cacheKey(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return string(h[:])
}

func (c *tokenCache) get(secret string) (principal, bool) {
	if c.ttl <= 0 {
		return principal{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[cacheKey(secret)]
	if !ok || time.Now().After(e.expires) {
		return principal{}, false
	}
	return e.p, true
}

func (c *tokenCache) put(secret string, p principal) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		now := time.Now()
		for k, e := range c.entries {
			if now.After(e.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= c.max {
			c.entries = map[string]cachedToken{}
		}
	}
	c.entries[cacheKey(secret)] = cachedToken{p: p, expires: time.Now().Add(c.ttl)}
}

// audit writes one audit-log row through the write pool; it outlives the
// request so that a client hanging up does not lose the record.
func (s *Server) audit(r *http.Request, p principal, action, object string, details map[string]any) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
	defer cancel()
	if err := data.Audit(ctx, s.write, p.actor(), action, object, details); err != nil {
		s.log.Error("audit log", "action", action, "error", err)
	}
}
