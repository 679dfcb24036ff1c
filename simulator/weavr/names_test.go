package weavr

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestMatchNames(t *testing.T) {
	tests := []struct {
		name, body, want string
		unknown          []InvalidField
	}{
		{"exact names untouched", `{"name":"A","address":{"city":"B","country":"MT"}}`, `{"name":"A","address":{"city":"B","country":"MT"}}`, nil},
		{"wrong case blanked", `{"NAME":"A","Name":"B"}`, `{"~~~~":"A","~~~~":"B"}`,
			[]InvalidField{{Params: []string{}, FieldName: "NAME", Error: "IN"}, {Params: []string{}, FieldName: "Name", Error: "IN"}}},
		{"nested", ` { "address" : { "Cityy" : {"x":[1,{"y":"}"}]}, "country":"MT" } } `, ` { "address" : { "~~~~~" : {"x":[1,{"y":"}"}]}, "country":"MT" } } `,
			[]InvalidField{{Params: []string{"address"}, FieldName: "Cityy", Error: "IN"}}},
		{"children of an unknown are not listed", `{"Address":{"City":"x"}}`, `{"~~~~~~~":{"City":"x"}}`,
			[]InvalidField{{Params: []string{}, FieldName: "Address", Error: "IN"}}},
		{"escaped exact name is known", `{"n\u0061me":"A"}`, `{"n\u0061me":"A"}`, nil},
		{"escaped wrong case", `{"N\u0041ME":"A"}`, `{"~~~~~~~~~":"A"}`, []InvalidField{{Params: []string{}, FieldName: "NAME", Error: "IN"}}},
		{"Kelvin sign folds in encoding/json", `{"Ｋ":1,"locale":"en","bran\u212a":"x"}`, `{"~~~":1,"locale":"en","~~~~~~~~~~":"x"}`,
			[]InvalidField{{Params: []string{}, FieldName: "Ｋ", Error: "IN"}, {Params: []string{}, FieldName: "bran\u212a", Error: "IN"}}},
		{"non-object value of an object field", `{"mobile":"x","dateOfBirth":null}`, `{"mobile":"x","dateOfBirth":null}`, nil},
		{"not an object", `[{"NAME":1}]`, `[{"NAME":1}]`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, unknown, ok := matchNames([]byte(tt.body), updateObject)
			if !ok {
				t.Fatal("not ok")
			}
			if string(out) != tt.want {
				t.Errorf("body\n got  %s\n want %s", out, tt.want)
			}
			if !reflect.DeepEqual(unknown, tt.unknown) {
				t.Errorf("unknown %+v, want %+v", unknown, tt.unknown)
			}
		})
	}
	t.Run("arrays of objects", func(t *testing.T) {
		body := `{"prefillDetails":[{"NAME":"a","name":"b"}, 7, {"value":"c","Value":"d"}],"KycLevel":"x"}`
		out, unknown, ok := matchNames([]byte(body), kycStartObject)
		want := `{"prefillDetails":[{"~~~~":"a","name":"b"}, 7, {"value":"c","~~~~~":"d"}],"~~~~~~~~":"x"}`
		if !ok || string(out) != want {
			t.Errorf("body\n got  %s\n want %s", out, want)
		}
		p := []string{"prefillDetails"}
		if w := []InvalidField{{p, "NAME", "IN"}, {p, "Value", "IN"}, {[]string{}, "KycLevel", "IN"}}; !reflect.DeepEqual(unknown, w) {
			t.Errorf("unknown %+v, want %+v", unknown, w)
		}
		for _, bad := range []string{`{"prefillDetails":[{"name":1}`, `{"prefillDetails":[1 2]}`, `{"prefillDetails":[`} {
			if _, _, ok := matchNames([]byte(bad), kycStartObject); ok {
				t.Errorf("%s: ok", bad)
			}
		}
	})
	t.Run("nested create objects", func(t *testing.T) {
		out, unknown, _ := matchNames([]byte(`{"rootUser":{"Mobile":{},"mobile":{"Number":"1"}}}`), createObject)
		if string(out) != `{"rootUser":{"~~~~~~":{},"mobile":{"~~~~~~":"1"}}}` || len(unknown) != 2 ||
			!reflect.DeepEqual(unknown[1].Params, []string{"rootUser", "mobile"}) {
			t.Errorf("%s %+v", out, unknown)
		}
	})
	t.Run("body not copied when nothing is blanked", func(t *testing.T) {
		body := []byte(`{"name":"A"}`)
		if out, _, _ := matchNames(body, updateObject); &out[0] != &body[0] {
			t.Error("copied")
		}
	})
	t.Run("invalid JSON left to encoding/json", func(t *testing.T) {
		for _, body := range []string{`{"name":`, `{"NAME" 1}`, `{"a":1 "b":2}`, `{"a`, `{"address":{"x":1}`} {
			if out, _, ok := matchNames([]byte(body), updateObject); ok || string(out) != body {
				t.Errorf("%s: ok=%v out=%s", body, ok, out)
			}
		}
	})
}

func TestObjectsFollowTheStructs(t *testing.T) {
	var names []string
	for _, f := range loginObject.fields {
		names = append(names, f.name)
		if f.sub != nil {
			for _, g := range f.sub.fields {
				names = append(names, f.name+"."+g.name)
			}
		}
	}
	if want := []string{"email", "password", "password.value"}; !reflect.DeepEqual(names, want) {
		t.Errorf("login names %v, want %v", names, want)
	}
	if len(updateObject.fields) != 18 || len(verifyObject.fields) != 2 {
		t.Errorf("update %d fields, verify %d", len(updateObject.fields), len(verifyObject.fields))
	}
	if len(createObject.fields) != 9 || len(createObject.fields[2].sub.fields) != 12 || len(emailObject.fields) != 1 ||
		len(passwordCreateObject.fields) != 1 || !kycStartObject.fields[1].array || len(kycStartObject.fields[1].sub.fields) != 2 {
		t.Error("the new request objects do not follow their structs")
	}
}

// FuzzMatchNames: on any valid JSON object matchNames succeeds, keeps the
// length and validity, and leaves encoding/json nothing to match but exact
// names: decoding the result gives what a case-sensitive decoder gives.
func FuzzMatchNames(f *testing.F) {
	for _, s := range []string{`{"name":"A","NAME":"B"}`, `{"address":{"City":"x","city":"y"},"mobile":{"countryCode":"+1","Number":"2"}}`,
		`{"dateOfBirth":{"YEAR":1,"year":2,"month":[{}],"day":"x"}}`, `{"n\u0061me":"\"}"}`, `{}`, ` {"tag" : -1.5e3 } `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var probe map[string]json.RawMessage
		valid := json.Unmarshal(body, &probe) == nil && probe != nil
		out, _, ok := matchNames(body, updateObject)
		if !valid {
			return
		}
		if !ok || len(out) != len(body) || !json.Valid(out) {
			t.Fatalf("valid object %q: ok=%v out=%q", body, ok, out)
		}
		var got, want any
		if json.Unmarshal(out, &got) != nil {
			t.Fatal("result does not decode")
		}
		_ = json.Unmarshal(body, &want)
		if g, w := exactOnly(got, updateObject), exactOnly(want, updateObject); !reflect.DeepEqual(g, w) {
			t.Fatalf("exact names differ:\n%v\n%v", g, w)
		}
	})
}

// exactOnly is v with the properties that are not exact names of o (at
// any depth of o's objects) removed: what a case-sensitive decoder sees.
func exactOnly(v any, o *object) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for k, x := range m {
		if f, known := o.field([]byte(k)); known {
			if f.sub != nil {
				x = exactOnly(x, f.sub)
			}
			out[k] = x
		}
	}
	return out
}

// TestObjectDepthFitsTheMatcher: nameMatcher keeps the known parents in a
// fixed array; every request object must nest less deep than its length.
func TestObjectDepthFitsTheMatcher(t *testing.T) {
	var depth func(o *object) int
	depth = func(o *object) int {
		d := 0
		for _, f := range o.fields {
			if f.sub != nil {
				d = max(d, 1+depth(f.sub))
			}
		}
		return d
	}
	var m nameMatcher
	for _, o := range []*object{updateObject, loginObject, verifyObject, createObject, emailObject, passwordCreateObject, kycStartObject} {
		if d := depth(o); d >= len(m.path) {
			t.Errorf("request object nests %d deep, the matcher holds %d", d, len(m.path))
		}
	}
}
