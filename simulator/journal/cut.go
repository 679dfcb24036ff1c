package journal

import (
	"bytes"
	"unicode/utf8"
)

// Cut is what the journal records of a body longer than max bytes: the
// whole body is masked first, as Masked would show it (by field when it
// parses as JSON, by pattern otherwise, see MaskBody), and the masked text
// is then cut to at most max+1 bytes, never inside a UTF-8 character. A cut
// can then never end inside a secret, and the extra byte over max tells
// Masked (MaskBody with max) that the body was cut.
//
// A body of at most max bytes, or any body when max <= 0 (no limit), is
// returned unchanged: Masked masks it when the journal is read. A body that
// is not valid UTF-8 or holds a NUL byte cannot be masked as text; its
// first max+1 bytes are returned, which MaskBody shows as binary (or, if the
// bytes that made it binary were cut off, masks loosely as text).
//
// Masking can shorten a body: a masked text of at most max+1 bytes is
// returned whole. When a character straddles byte max+1 the result is
// shorter than max+1 bytes, and may then be no longer than max.
func Cut(body []byte, max int) string {
	if max <= 0 || len(body) <= max {
		return string(body)
	}
	if !utf8.Valid(body) || bytes.IndexByte(body, 0) >= 0 {
		return string(body[:max+1])
	}
	masked := maskText(body)
	if len(masked) <= max+1 {
		return masked
	}
	cut := max + 1
	for cut > 0 && !utf8.RuneStart(masked[cut]) {
		cut--
	}
	return masked[:cut]
}
