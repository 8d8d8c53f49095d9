package data

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Roles a token can carry, from most to least powerful.
const (
	RoleAdmin        = "admin"
	RolePlanner      = "planner"
	RoleCommittee    = "committee"
	RoleMunicipality = "municipality"
)

// tokenPrefix marks bbplan tokens so that they are recognisable in logs and
// secret scanners.
const tokenPrefix = "bbp_"

// Token is one API token as stored (never the secret itself).
type Token struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	Kommun     string     `json:"municipality,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// ErrBadToken is returned by LookupToken for an unknown or revoked token.
var ErrBadToken = errors.New("unknown or revoked token")

// hashToken is the stored form of a token.
func hashToken(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// CreateToken stores a new token for role (kommun only for the municipality
// role, which must name an existing municipality) and returns it with its
// secret, which is not stored and cannot be shown again. actor is written to
// the audit log.
func (db *DB) CreateToken(ctx context.Context, role, kommun, name, actor string) (Token, string, error) {
	switch role {
	case RoleAdmin, RolePlanner, RoleCommittee:
		if kommun != "" {
			return Token{}, "", fmt.Errorf("municipality: only a %s token has a municipality", RoleMunicipality)
		}
	case RoleMunicipality:
		if kommun == "" {
			return Token{}, "", fmt.Errorf("municipality: a %s token needs --municipality CODE", RoleMunicipality)
		}
		var ok bool
		if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM municipality WHERE code = $1)`, kommun).Scan(&ok); err != nil {
			return Token{}, "", fmt.Errorf("checking municipality %s: %w", kommun, err)
		}
		if !ok {
			return Token{}, "", fmt.Errorf("municipality: %q is not a loaded municipality code", kommun)
		}
	default:
		return Token{}, "", fmt.Errorf("role: %q is not admin, planner, committee or municipality", role)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return Token{}, "", fmt.Errorf("token: %w", err)
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	if name == "" {
		name = role
		if kommun != "" {
			name += "-" + kommun
		}
	}
	t := Token{Name: name, Role: role, Kommun: kommun}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return Token{}, "", err
	}
	defer tx.Rollback()
	const insertToken = `INSERT INTO api_token (name, role, kommun_code, hash) VALUES ($1, $2, NULLIF($3, ''), $4)
		RETURNING id, created_at`
	if err := tx.QueryRowContext(ctx, insertToken, name, role, kommun, hashToken(secret)).Scan(&t.ID, &t.CreatedAt); err != nil {
		return Token{}, "", fmt.Errorf("storing token: %w", err)
	}
	if err := Audit(ctx, tx, actor, "token.create", fmt.Sprintf("token:%d", t.ID),
		map[string]any{"name": name, "role": role, "municipality": kommun}); err != nil {
		return Token{}, "", err
	}
	if err := tx.Commit(); err != nil {
		return Token{}, "", err
	}
	return t, secret, nil
}

// ListTokens returns every token, newest first.
func (db *DB) ListTokens(ctx context.Context) ([]Token, error) {
	const listTokens = `SELECT id, name, role, COALESCE(kommun_code, ''), created_at, revoked_at, last_used_at
		FROM api_token ORDER BY id DESC`
	rows, err := db.QueryContext(ctx, listTokens)
	if err != nil {
		return nil, fmt.Errorf("listing tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		if err := rows.Scan(&t.ID, &t.Name, &t.Role, &t.Kommun, &t.CreatedAt, &t.RevokedAt, &t.LastUsedAt); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes token id; revoking an already revoked token is an error
// so that a typo in the id is noticed.
func (db *DB) RevokeToken(ctx context.Context, id int64, actor string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	const revokeToken = `UPDATE api_token SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`
	res, err := tx.ExecContext(ctx, revokeToken, id)
	if err != nil {
		return fmt.Errorf("revoking token %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("token %d: no such active token", id)
	}
	if err := Audit(ctx, tx, actor, "token.revoke", fmt.Sprintf("token:%d", id), nil); err != nil {
		return err
	}
	return tx.Commit()
}

// LookupToken returns the active token with this secret, or ErrBadToken.
func (db *DB) LookupToken(ctx context.Context, secret string) (Token, error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return Token{}, ErrBadToken
	}
	const lookupToken = `SELECT id, name, role, COALESCE(kommun_code, ''), created_at
		FROM api_token WHERE hash = $1 AND revoked_at IS NULL`
	var t Token
	err := db.QueryRowContext(ctx, lookupToken, hashToken(secret)).Scan(&t.ID, &t.Name, &t.Role, &t.Kommun, &t.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, ErrBadToken
	}
	if err != nil {
		return Token{}, fmt.Errorf("looking up token: %w", err)
	}
	return t, nil
}

// TouchToken records that token id was used, at most once a minute so that
// busy clients do not turn every read into a write.
func (db *DB) TouchToken(ctx context.Context, id int64) error {
	const touchToken = `UPDATE api_token SET last_used_at = now()
		WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`
	_, err := db.ExecContext(ctx, touchToken, id)
	return err
}
