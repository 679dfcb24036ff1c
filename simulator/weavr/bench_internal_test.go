package weavr

import "testing"

// BenchmarkDecodeValidate decodes and validates a PATCH body the way the
// handler does: the one-pass decoder ("fast"), and the exact path it
// falls back to ("exact": matchNames and encoding/json).
func BenchmarkDecodeValidate(b *testing.B) {
	body := []byte(`{"name":"Jane","surname":"Doe","tag":"load_1","mobile":{"countryCode":"+356","number":"79123456"},` +
		`"address":{"addressLine1":"1 Main St","city":"Valletta","postCode":"VLT1000","country":"MT"},"dateOfBirth":{"year":1990,"month":4,"day":12}}`)
	for _, path := range []string{"fast", "exact"} {
		b.Run(path, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				var req updateRequest
				if path == "fast" {
					if !decodeFast(body, &req) {
						b.Fatal("fast path gave up")
					}
				} else if _, msg := decodeObject(body, &req, updateObject); msg != "" {
					b.Fatal(msg)
				}
				if bad := validateUpdate(&req, 4); len(bad) > 0 {
					b.Fatal(bad)
				}
			}
		})
	}
}
