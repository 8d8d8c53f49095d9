package geo

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// errJSONEOF marks input that ended inside a JSON value; readers turn it into
// an InputError that says what was left open.
var errJSONEOF = errors.New("unexpected end of file")

// jsonScanner is a small streaming JSON tokenizer over an io.Reader. It exists
// because encoding/json's token API allocates per token and is several times
// too slow for million-feature files; it keeps a line count for error messages
// and never holds more than one buffer of input.
type jsonScanner struct {
	r    io.Reader
	buf  []byte
	pos  int
	end  int
	base int64 // input offset of buf[0]
	line int
	rerr error // read error other than io.EOF
	eof  bool

	nest    int // open arrays and objects below the current feature
	scratch []byte
	keyBuf  []byte
	keys    map[string]string // interned property names
}

func newJSONScanner(r io.Reader, bufSize int) *jsonScanner {
	return &jsonScanner{r: r, buf: make([]byte, bufSize), line: 1, keys: map[string]string{}}
}

// offset is the number of input bytes consumed so far.
func (s *jsonScanner) offset() int64 { return s.base + int64(s.pos) }

// fill reads more input into an exhausted buffer; false at end of input.
func (s *jsonScanner) fill() bool {
	if s.pos < s.end {
		return true
	}
	for !s.eof {
		s.base += int64(s.end)
		s.pos, s.end = 0, 0
		n, err := s.r.Read(s.buf)
		s.end = n
		if err != nil {
			s.eof = true
			if err != io.EOF {
				s.rerr = err
			}
		}
		if n > 0 {
			return true
		}
	}
	return false
}

// peek skips whitespace and returns the next byte without consuming it.
func (s *jsonScanner) peek() (byte, error) {
	for {
		for s.pos < s.end {
			c := s.buf[s.pos]
			switch c {
			case ' ', '\t', '\r':
				s.pos++
			case '\n':
				s.line++
				s.pos++
			default:
				return c, nil
			}
		}
		if !s.fill() {
			if s.rerr != nil {
				return 0, s.rerr
			}
			return 0, errJSONEOF
		}
	}
}

// maxJSONNesting bounds how deeply arrays and objects may nest in a feature,
// so that a corrupt file cannot exhaust the stack.
const maxJSONNesting = 256

// enter counts one more open array or object; leave undoes it.
func (s *jsonScanner) enter() error {
	s.nest++
	if s.nest > maxJSONNesting {
		return fmt.Errorf("arrays and objects nested more than %d deep", maxJSONNesting)
	}
	return nil
}

func (s *jsonScanner) leave() { s.nest-- }

// skipLine skips to the start of the next line or record separator (RS),
// to resynchronise a GeoJSONSeq stream after a malformed line.
func (s *jsonScanner) skipLine() {
	for s.fill() {
		c := s.buf[s.pos]
		if c == 0x1e {
			return
		}
		s.pos++
		if c == '\n' {
			s.line++
			return
		}
	}
}

// expect consumes the next non-space byte, which must be c.
func (s *jsonScanner) expect(c byte) error {
	got, err := s.peek()
	if err != nil {
		return err
	}
	if got != c {
		return fmt.Errorf("expected %q, found %s", c, describeByte(got))
	}
	s.pos++
	return nil
}

// more reports whether another element follows in an object or array: it
// consumes a ',' (true) or the closing byte (false). first is true before the
// first element, where no comma is expected.
func (s *jsonScanner) more(closing byte, first bool) (bool, error) {
	c, err := s.peek()
	if err != nil {
		return false, err
	}
	if c == closing {
		s.pos++
		return false, nil
	}
	if first {
		return true, nil
	}
	if c != ',' {
		return false, fmt.Errorf("expected ',' or %q, found %s", closing, describeByte(c))
	}
	s.pos++
	return true, nil
}

func describeByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", c)
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// key reads an object key and its colon. The returned bytes are valid until
// the next read.
func (s *jsonScanner) key() ([]byte, error) {
	c, err := s.peek()
	if err != nil {
		return nil, err
	}
	if c != '"' {
		return nil, fmt.Errorf("expected a string key, found %s", describeByte(c))
	}
	k, err := s.stringBytes()
	if err != nil {
		return nil, err
	}
	if s.pos < s.end && s.buf[s.pos] == ':' {
		s.pos++
		return k, nil
	}
	// Finding the colon may refill the buffer that k points into.
	s.keyBuf = append(s.keyBuf[:0], k...)
	k = s.keyBuf
	if err := s.expect(':'); err != nil {
		return nil, err
	}
	return k, nil
}

// internKey returns k as a string, allocating once per distinct key.
func (s *jsonScanner) internKey(k []byte) string {
	if v, ok := s.keys[string(k)]; ok {
		return v
	}
	v := string(k)
	if len(s.keys) < 4096 {
		s.keys[v] = v
	}
	return v
}

// stringBytes reads a string starting at the opening quote. The returned
// bytes alias the buffer or scratch space and are valid until the next read.
func (s *jsonScanner) stringBytes() ([]byte, error) {
	s.pos++ // opening quote
	start := s.pos
	for i := start; i < s.end; i++ {
		c := s.buf[i]
		if c == '"' {
			s.pos = i + 1
			return s.buf[start:i], nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
	}
	return s.slowString()
}

// slowString handles strings with escapes or spanning buffer refills.
func (s *jsonScanner) slowString() ([]byte, error) {
	out := s.scratch[:0]
	for {
		if s.pos >= s.end && !s.fill() {
			s.scratch = out
			return nil, errJSONEOF
		}
		c := s.buf[s.pos]
		s.pos++
		switch {
		case c == '"':
			s.scratch = out
			return out, nil
		case c < 0x20:
			return nil, fmt.Errorf("control character 0x%02x in string", c)
		case c != '\\':
			out = append(out, c)
			continue
		}
		if s.pos >= s.end && !s.fill() {
			return nil, errJSONEOF
		}
		e := s.buf[s.pos]
		s.pos++
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, err := s.hex4()
			if err != nil {
				return nil, err
			}
			if utf16.IsSurrogate(r) {
				// A surrogate pair is two escapes; a lone half becomes U+FFFD.
				r2 := utf8.RuneError
				if (s.pos < s.end || s.fill()) && s.buf[s.pos] == '\\' {
					s.pos++
					if (s.pos >= s.end && !s.fill()) || s.buf[s.pos] != 'u' {
						return nil, errors.New("bad escape after a UTF-16 surrogate in string")
					}
					s.pos++
					lo, err := s.hex4()
					if err != nil {
						return nil, err
					}
					r2 = utf16.DecodeRune(r, lo)
				}
				r = r2
			}
			out = utf8.AppendRune(out, r)
		default:
			return nil, fmt.Errorf("bad escape \\%c in string", e)
		}
	}
}

func (s *jsonScanner) hex4() (rune, error) {
	var r rune
	for range 4 {
		if s.pos >= s.end && !s.fill() {
			return 0, errJSONEOF
		}
		c := s.buf[s.pos]
		s.pos++
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, errors.New("bad \\u escape in string")
		}
	}
	return r, nil
}

// numberBytes reads a number literal; the bytes are valid until the next read.
func (s *jsonScanner) numberBytes() ([]byte, error) {
	start := s.pos
	i := start
	for i < s.end && isNumByte(s.buf[i]) {
		i++
	}
	if i < s.end {
		s.pos = i
		return s.buf[start:i], nil
	}
	out := append(s.scratch[:0], s.buf[start:i]...)
	s.pos = i
	for s.fill() {
		c := s.buf[s.pos]
		if !isNumByte(c) {
			break
		}
		out = append(out, c)
		s.pos++
	}
	s.scratch = out
	return out, nil
}

func isNumByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// float reads a number as float64.
func (s *jsonScanner) float() (float64, error) {
	c, err := s.peek()
	if err != nil {
		return 0, err
	}
	if c != '-' && (c < '0' || c > '9') {
		return 0, fmt.Errorf("expected a number, found %s", describeByte(c))
	}
	b, err := s.numberBytes()
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return 0, fmt.Errorf("bad number %q", b)
	}
	return v, nil
}

// literal consumes one of true, false or null.
func (s *jsonScanner) literal(word string) error {
	for i := 0; i < len(word); i++ {
		if s.pos >= s.end && !s.fill() {
			return errJSONEOF
		}
		if s.buf[s.pos] != word[i] {
			return fmt.Errorf("bad literal, expected %q", word)
		}
		s.pos++
	}
	return nil
}

// value reads any JSON value as a property value: strings, numbers (int64
// when the literal is an integer that fits, float64 otherwise), bools and nil;
// objects and arrays become their compact JSON text.
func (s *jsonScanner) value() (any, error) {
	c, err := s.peek()
	if err != nil {
		return nil, err
	}
	switch {
	case c == '"':
		b, err := s.stringBytes()
		if err != nil {
			return nil, err
		}
		return string(b), nil
	case c == '-' || c >= '0' && c <= '9':
		b, err := s.numberBytes()
		if err != nil {
			return nil, err
		}
		if isIntLiteral(b) {
			if v, err := strconv.ParseInt(string(b), 10, 64); err == nil {
				return v, nil
			}
		}
		v, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %q", b)
		}
		return v, nil
	case c == 't':
		return true, s.literal("true")
	case c == 'f':
		return false, s.literal("false")
	case c == 'n':
		return nil, s.literal("null")
	case c == '{' || c == '[':
		v, err := s.generic()
		if err != nil {
			return nil, err
		}
		text, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		return string(text), nil
	}
	return nil, fmt.Errorf("unexpected %s", describeByte(c))
}

func isIntLiteral(b []byte) bool {
	for _, c := range b {
		if c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	return len(b) < 19
}

// generic reads any JSON value into the shapes encoding/json uses
// (map[string]any, []any, string, float64, bool, nil).
func (s *jsonScanner) generic() (any, error) {
	c, err := s.peek()
	if err != nil {
		return nil, err
	}
	if c == '{' || c == '[' {
		if err := s.enter(); err != nil {
			return nil, err
		}
		defer s.leave()
	}
	switch c {
	case '{':
		s.pos++
		m := map[string]any{}
		for first := true; ; first = false {
			ok, err := s.more('}', first)
			if err != nil || !ok {
				return m, err
			}
			k, err := s.key()
			if err != nil {
				return nil, err
			}
			name := string(k)
			v, err := s.generic()
			if err != nil {
				return nil, err
			}
			m[name] = v
		}
	case '[':
		s.pos++
		a := []any{}
		for first := true; ; first = false {
			ok, err := s.more(']', first)
			if err != nil || !ok {
				return a, err
			}
			v, err := s.generic()
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return s.float()
	}
	return s.value()
}
