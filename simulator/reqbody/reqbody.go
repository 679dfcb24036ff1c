// Package reqbody reads a request body once for the whole sandbox. The
// server reads it ahead (the journal and scenario body conditions need it
// before the vendor runs) and each vendor then takes the same bytes, within
// its own size limit, instead of reading and copying them a second time.
package reqbody

import (
	"io"
	"net/http"
)

// ReadAhead reads up to limit bytes of r's body and puts the body back
// unchanged for whoever reads it next: the bytes read, then the rest, or
// the read error (a connection dropped mid-body) that net/http reports only
// once. limit should exceed every vendor's own limit, so that a body within
// it is read ahead whole.
//
// A declared Content-Length sizes the buffer: one allocation of exactly
// the body (plus the byte that proves the end), instead of io.ReadAll's
// 512-byte start and doublings. A declared length is only a hint: a body
// that is shorter or longer than it is read as it comes.
func ReadAhead(r *http.Request, limit int64) []byte {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	b, err := readUpTo(r.Body, limit, r.ContentLength)
	p := &replay{b: b, rest: r.Body, Closer: r.Body, whole: err == nil && int64(len(b)) < limit}
	if err != nil {
		p.rest = errReader{err}
	}
	r.Body = p
	return b
}

// readUpTo reads r until EOF or limit bytes, into a buffer of size+1 bytes
// when size (a declared length) is known and within limit.
func readUpTo(r io.Reader, limit, size int64) ([]byte, error) {
	if size < 0 || size >= limit {
		return io.ReadAll(io.LimitReader(r, limit))
	}
	b := make([]byte, 0, size+1)
	for int64(len(b)) < limit {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // longer than declared: let append grow it
		}
		n, err := r.Read(b[len(b):min(int64(cap(b)), limit)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
	return b, nil
}

// Read returns r's body if it is at most limit bytes long. tooLarge reports
// a longer body (and returns no bytes); err a body that could not be read.
// A body ReadAhead read whole comes back without a copy: the caller must
// not modify it.
func Read(r *http.Request, limit int64) (b []byte, tooLarge bool, err error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, false, nil
	}
	if rp, ok := r.Body.(*replay); ok && rp.whole && !rp.started {
		rp.started = true
		if int64(len(rp.b)) > limit {
			return nil, true, nil
		}
		return rp.b, false, nil
	}
	b, err = io.ReadAll(io.LimitReader(r.Body, limit+1))
	switch {
	case err != nil:
		return nil, false, err
	case int64(len(b)) > limit:
		return nil, true, nil
	}
	return b, false, nil
}

// replay is a body put back by ReadAhead: b, then rest. started records
// that a reader took some of it, so Read never hands out the bytes a
// second time.
type replay struct {
	b    []byte
	off  int
	rest io.Reader
	io.Closer
	whole   bool // b is the entire body
	started bool
}

func (p *replay) Read(buf []byte) (int, error) {
	p.started = true
	if p.off < len(p.b) {
		n := copy(buf, p.b[p.off:])
		p.off += n
		return n, nil
	}
	return p.rest.Read(buf)
}

// errReader replays a read error.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// Rewind puts a body ReadAhead read whole back to its start, so that the
// request can be handled again (a deferred commit overtaken in Redis
// mode), and reports whether it could: not for a body read only in part.
func Rewind(r *http.Request) bool {
	if r.Body == nil || r.Body == http.NoBody {
		return true
	}
	rp, ok := r.Body.(*replay)
	if !ok || !rp.whole {
		return false
	}
	rp.off, rp.started = 0, false
	return true
}

// Rewindable reports whether Rewind would succeed, without rewinding.
func Rewindable(r *http.Request) bool {
	if r.Body == nil || r.Body == http.NoBody {
		return true
	}
	rp, ok := r.Body.(*replay)
	return ok && rp.whole
}
