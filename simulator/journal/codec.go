package journal

import (
	"encoding/binary"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// The Redis mode keeps each entry as one string: its Seq in decimal, a
// colon (the add script writes both, so the Seq is the one it drew), then
// the body encodeEntry writes. The body is binary rather than JSON: the
// request and response bodies are mostly JSON themselves, and JSON in JSON
// escapes every quote, so a binary body is about a third smaller and
// decodes without parsing. Its first byte is a version, so a later build
// can still read what an older replica wrote.
const codecV1 = 1

// errCodec is an entry this build cannot read (corrupt, or written by a
// newer build in a rolling upgrade).
var errCodec = errors.New("journal: undecodable entry")

// encodeEntry writes s (an entry without its Seq, headers encoded) as
// version, time (time.MarshalBinary, length first), duration (float64
// bits), status (uvarint), then each string as uvarint length and bytes,
// then, when the session's clock was moved, its time (length first).
func encodeEntry(s *stored) string {
	tb, err := s.Time.MarshalBinary()
	if err != nil { // an offset that is not whole minutes: keep the instant
		tb, _ = s.Time.UTC().MarshalBinary()
	}
	strs := s.fields()
	n := 1 + 1 + len(tb) + 8 + binary.MaxVarintLen64
	for _, v := range strs {
		n += binary.MaxVarintLen64 + len(*v)
	}
	b := make([]byte, 0, n)
	b = append(b, codecV1, byte(len(tb)))
	b = append(b, tb...)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(s.DurationMs))
	b = binary.AppendUvarint(b, uint64(max(s.Status, 0)))
	for _, v := range strs {
		b = binary.AppendUvarint(b, uint64(len(*v)))
		b = append(b, *v...)
	}
	if s.SessionTime != nil { // optional trailer: the moved session clock's time
		st, err := s.SessionTime.MarshalBinary()
		if err != nil {
			st, _ = s.SessionTime.UTC().MarshalBinary()
		}
		b = append(b, byte(len(st)))
		b = append(b, st...)
	}
	return string(b)
}

// fields lists the string fields in their encoded order.
func (s *stored) fields() [12]*string {
	return [12]*string{&s.Session, &s.Vendor, &s.Operation, &s.Method, &s.Path, &s.Query,
		&s.reqHeaders, &s.RequestBody, &s.respHeaders, &s.ResponseBody, &s.Scenario, &s.RequestRef}
}

// decodeEntry reads what the add script stored ("SEQ:" and encodeEntry's
// body). Its strings share v's memory: no copy per field.
func decodeEntry(v string) (stored, error) {
	var s stored
	num, body, ok := strings.Cut(v, ":")
	if !ok {
		return s, errCodec
	}
	seq, err := strconv.ParseUint(num, 10, 64)
	if err != nil || len(body) < 2 || body[0] != codecV1 {
		return s, errCodec
	}
	s.Seq = seq
	tl := int(body[1])
	body = body[2:]
	if len(body) < tl+8 {
		return s, errCodec
	}
	if err := s.Time.UnmarshalBinary([]byte(body[:tl])); err != nil {
		return s, errCodec
	}
	body = body[tl:]
	s.DurationMs = math.Float64frombits(binary.LittleEndian.Uint64([]byte(body[:8])))
	body = body[8:]
	status, body, ok := uvarint(body)
	if !ok || status > math.MaxInt32 {
		return s, errCodec
	}
	s.Status = int(status)
	for _, dst := range s.fields() {
		n, rest, ok := uvarint(body)
		if !ok || n > uint64(len(rest)) {
			return s, errCodec
		}
		*dst, body = rest[:n], rest[n:]
	}
	if body != "" {
		tl := int(body[0])
		if len(body) != 1+tl {
			return s, errCodec
		}
		var at time.Time
		if err := at.UnmarshalBinary([]byte(body[1:])); err != nil {
			return s, errCodec
		}
		s.SessionTime = &at
	}
	return s, nil
}

// uvarint is binary.Uvarint over a string (no copy of the rest).
func uvarint(s string) (uint64, string, bool) {
	var x uint64
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		c := s[i]
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				return 0, s, false
			}
			return x | uint64(c)<<(7*i), s[i+1:], true
		}
		x |= uint64(c&0x7f) << (7 * i)
	}
	return 0, s, false
}
