package weavr

import "testing"

// BenchmarkDecodeValidate is the PATCH body's decode and field rules.
func BenchmarkDecodeValidate(b *testing.B) {
	body := []byte(`{"name":"Jane","surname":"Doe","tag":"load_1","mobile":{"countryCode":"+356","number":"79123456"},` +
		`"address":{"addressLine1":"1 Main St","city":"Valletta","postCode":"VLT1000","country":"MT"},"dateOfBirth":{"year":1990,"month":4,"day":12}}`)
	b.ReportAllocs()
	for range b.N {
		var req updateRequest
		if _, msg := decodeObject(body, &req, updateObject); msg != "" {
			b.Fatal(msg)
		}
		if bad := validateUpdate(&req, 4); len(bad) > 0 {
			b.Fatal(bad)
		}
	}
}
