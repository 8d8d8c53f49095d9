package server

import (
	"context"
	"sync"
)

// gapsCacheBytes bounds the memory held by the gaps cache: a municipality's
// document is a few MB at a million premises, so this keeps every
// municipality of a county in both forms (with and without operator plans).
const gapsCacheBytes = 128 << 20

// gapsKey identifies one gaps document: the run, the municipality and
// whether operator plans are shown.
type gapsKey struct {
	run   int64
	code  string
	plans bool
}

type gapsEntry struct {
	version string
	body    []byte
}

// gapsCache keeps rendered gaps documents with the fingerprint of the rows
// they were rendered from (data.DB.GapsVersion). An entry is served only
// while the fingerprint is unchanged, so a re-costed or re-analysed run is
// never served stale; computing the fingerprint costs a tenth of rendering.
type gapsCache struct {
	max      int64
	mu       sync.Mutex
	size     int64
	entries  map[gapsKey]gapsEntry
	inflight map[gapsKey]*gapsRender
}

// gapsRender is one rendering in progress; requests for the same document
// at the same version wait for it instead of rendering it again.
type gapsRender struct {
	version string
	done    chan struct{}
	body    []byte
	err     error
}

func newGapsCache(max int64) *gapsCache {
	return &gapsCache{max: max, entries: map[gapsKey]gapsEntry{}, inflight: map[gapsKey]*gapsRender{}}
}

// load returns the document of k at version, from the cache, from a
// rendering in progress, or from render.
func (c *gapsCache) load(ctx context.Context, k gapsKey, version string, render func() ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	if e, ok := c.entries[k]; ok && e.version == version {
		c.mu.Unlock()
		return e.body, nil
	}
	if r, ok := c.inflight[k]; ok && r.version == version {
		c.mu.Unlock()
		select {
		case <-r.done:
			return r.body, r.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	r := &gapsRender{version: version, done: make(chan struct{})}
	c.inflight[k] = r
	c.mu.Unlock()
	r.body, r.err = render()
	c.mu.Lock()
	if c.inflight[k] == r {
		delete(c.inflight, k)
	}
	c.mu.Unlock()
	close(r.done)
	if r.err == nil {
		c.put(k, version, r.body)
	}
	return r.body, r.err
}

// put stores the document of k rendered at version, evicting arbitrary
// entries to stay within the size bound. Bodies are never modified after
// being stored, so they are shared with the responses being written.
func (c *gapsCache) put(k gapsKey, version string, body []byte) {
	n := int64(len(body))
	if n > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[k]; ok {
		c.size -= int64(len(old.body))
		delete(c.entries, k)
	}
	for ek, e := range c.entries {
		if c.size+n <= c.max {
			break
		}
		c.size -= int64(len(e.body))
		delete(c.entries, ek)
	}
	c.entries[k] = gapsEntry{version: version, body: body}
	c.size += n
}
