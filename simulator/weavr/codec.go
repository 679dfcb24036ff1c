package weavr

import (
	"encoding/json"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/store"
)

// consumerTableName names the consumers' overlay in a session's Scope.
const consumerTableName = "weavr.consumers"

// consumerCodec stores consumers in the shared backend: ids as they are,
// records as JSON (every field of Consumer is exported and plain) except
// the times, which consumerRecord stores in time's binary form, so that a
// record another replica wrote decodes exactly as it was (a time read
// from the clock is Local, and RFC 3339 would give it back as UTC). Only
// a time's monotonic reading is lost, which means nothing in another
// process.
func consumerCodec() store.Codec[string, Consumer] {
	return store.StringKeys(encodeConsumer, decodeConsumer)
}

// consumerRecord is a Consumer as stored: its time fields shadow the
// embedded ones (encoding/json encodes the shallower field).
type consumerRecord struct {
	Consumer
	EmailChangedAt  storedTime
	SecurityEventAt storedTime
}

func encodeConsumer(c Consumer) ([]byte, error) {
	return json.Marshal(consumerRecord{Consumer: c,
		EmailChangedAt: storedTime(c.EmailChangedAt), SecurityEventAt: storedTime(c.SecurityEventAt)})
}

func decodeConsumer(b []byte) (Consumer, error) {
	var r consumerRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return Consumer{}, err
	}
	c := r.Consumer
	c.EmailChangedAt, c.SecurityEventAt = time.Time(r.EmailChangedAt), time.Time(r.SecurityEventAt)
	return c, nil
}

// storedTime is a time.Time in JSON as its binary form (base64): the
// instant and whether it was UTC or Local (another zone comes back as a
// fixed offset).
type storedTime time.Time

// MarshalJSON encodes time.Time's MarshalBinary.
func (t storedTime) MarshalJSON() ([]byte, error) {
	raw, err := time.Time(t).MarshalBinary()
	if err != nil {
		return nil, err
	}
	return json.Marshal(raw)
}

// UnmarshalJSON decodes what MarshalJSON wrote.
func (t *storedTime) UnmarshalJSON(b []byte) error {
	var raw []byte
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	return (*time.Time)(t).UnmarshalBinary(raw)
}
