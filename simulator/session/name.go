package session

import (
	"fmt"
	"unicode/utf8"
)

// MaxNameLength bounds a session name: names come from an unauthenticated
// header, and each live session costs memory.
const MaxNameLength = 128

// CheckName reports why name cannot name a session ("" is fine: the
// Default session). Names are 1-128 of the URL's unreserved characters
// (A-Z a-z 0-9 - . _ ~), so every session can be addressed in a control
// API path as it is, with no escaping.
func CheckName(name string) error {
	if len(name) > MaxNameLength {
		return fmt.Errorf("session name %s… is %d bytes long: the most is %d", clip(name), len(name), MaxNameLength)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !unreserved(c) {
			return fmt.Errorf("session name %q: use only A-Z a-z 0-9 - . _ ~ (a control API path must be able to name it)", clip(name))
		}
	}
	return nil
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// clip shortens a client-supplied name echoed in a message.
func clip(s string) string {
	if len(s) <= 40 {
		return fmt.Sprintf("%q", s)
	}
	cut := 40
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%q", s[:cut])
}
