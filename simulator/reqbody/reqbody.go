// Package reqbody reads a request body once for the whole sandbox. The
// server reads it ahead (the journal and scenario body conditions need it
// before the vendor runs) and each vendor then takes the same bytes, within
// its own size limit, instead of reading and copying them a second time.
package reqbody

import (
	"bytes"
	"io"
	"net/http"
)

// ReadAhead reads up to limit bytes of r's body and puts the body back
// unchanged for whoever reads it next: the bytes read, then the rest, or
// the read error (a connection dropped mid-body) that net/http reports only
// once. limit should exceed every vendor's own limit, so that a body within
// it is read ahead whole.
func ReadAhead(r *http.Request, limit int64) []byte {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, limit))
	var rest io.Reader = r.Body
	if err != nil {
		rest = errReader{err}
	}
	r.Body = &replay{r: io.MultiReader(bytes.NewReader(b), rest), Closer: r.Body, b: b,
		whole: err == nil && int64(len(b)) < limit}
	return b
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

// replay is a body put back by ReadAhead. started records that a reader
// took some of it, so Read never hands out the bytes a second time.
type replay struct {
	r io.Reader
	io.Closer
	b       []byte
	whole   bool // b is the entire body
	started bool
}

func (p *replay) Read(buf []byte) (int, error) {
	p.started = true
	return p.r.Read(buf)
}

// errReader replays a read error.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
