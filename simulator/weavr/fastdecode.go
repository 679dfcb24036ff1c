package weavr

import "unsafe"

// The PATCH /multi/consumers body is small and almost always plain: an
// object of known names whose strings have no escapes. encoding/json
// decodes it by reflection, after matchNames has walked it once for exact
// names: two passes and an allocation per pointer field. fastReader decodes
// that common body in one pass without reflection, and gives up (false) on
// anything else (an unknown or repeated name, an escape, a number that is
// not a plain integer, a wrong type, malformed JSON); the caller then
// decodes with the exact path (matchNames + encoding/json), which produces
// the same request or Weavr's error message. FuzzFastDecode holds the fast
// path to the exact one's result on every body it accepts.

// maxFastBody bounds the bodies the fast path reads: every string it
// decodes shares the body's bytes, which a larger body would keep alive
// for the sake of a short field.
const maxFastBody = 4 << 10

// fastDecoder is a request struct with a one-pass decoder.
type fastDecoder interface {
	// decodeFast reads the object at r into the struct, or reports false
	// having left it partly filled (the caller resets it).
	decodeFast(r *fastReader) bool
	reset()
}

// decodeFast decodes body into v in one pass when it can; false leaves v
// zero, for the exact path.
func decodeFast(body []byte, v fastDecoder) bool {
	if len(body) > maxFastBody {
		return false
	}
	// The body is read-only (reqbody.Read hands it out on that
	// condition), so its strings may share its bytes: no copy at all.
	r := fastReader{b: body, s: unsafe.String(unsafe.SliceData(body), len(body))}
	if r.skip(); !v.decodeFast(&r) {
		v.reset()
		return false
	}
	if r.skip(); r.i != len(r.b) {
		v.reset()
		return false
	}
	return true
}

// fastReader is a cursor over one body. s is the body as a string: every
// string value is a slice of it, so decoding copies none of them.
type fastReader struct {
	b    []byte
	s    string
	i    int
	strs []string // the strings the pointer fields point into, a few at a time
}

// keep stores v for a pointer field: one allocation per few strings
// instead of one per field.
func (r *fastReader) keep(v string) *string {
	if len(r.strs) == cap(r.strs) {
		r.strs = make([]string, 0, 8)
	}
	r.strs = append(r.strs, v)
	return &r.strs[len(r.strs)-1]
}

func (r *fastReader) skip() {
	for r.i < len(r.b) && (r.b[r.i] == ' ' || r.b[r.i] == '\t' || r.b[r.i] == '\n' || r.b[r.i] == '\r') {
		r.i++
	}
}

// null consumes a JSON null.
func (r *fastReader) null() bool {
	if r.i+4 <= len(r.b) && r.s[r.i:r.i+4] == "null" {
		r.i += 4
		return true
	}
	return false
}

// rawString reads a string without escapes or control characters.
func (r *fastReader) rawString() (string, bool) {
	if r.i >= len(r.b) || r.b[r.i] != '"' {
		return "", false
	}
	start := r.i + 1
	for j := start; j < len(r.b); j++ {
		switch c := r.b[j]; {
		case c == '"':
			r.i = j + 1
			return r.s[start:j], true
		case c == '\\' || c < 0x20:
			return "", false
		}
	}
	return "", false
}

// object reads an object, calling field for each name with the cursor at
// its value; field consumes the value or reports false.
func (r *fastReader) object(field func(name string) bool) bool {
	if r.i >= len(r.b) || r.b[r.i] != '{' {
		return false
	}
	r.i++
	r.skip()
	if r.i < len(r.b) && r.b[r.i] == '}' {
		r.i++
		return true
	}
	for {
		name, ok := r.rawString()
		if !ok {
			return false
		}
		r.skip()
		if r.i >= len(r.b) || r.b[r.i] != ':' {
			return false
		}
		r.i++
		r.skip()
		if !field(name) {
			return false
		}
		r.skip()
		if r.i >= len(r.b) {
			return false
		}
		switch r.b[r.i] {
		case ',':
			r.i++
			r.skip()
		case '}':
			r.i++
			return true
		default:
			return false
		}
	}
}

// settled handles what every pointer field shares: a name seen before
// (set) gives up, and null leaves the field nil. done reports that the
// value was one of those, ok what to return then.
func (r *fastReader) settled(set bool) (done, ok bool) {
	if set {
		return true, false
	}
	if r.null() {
		return true, true
	}
	return false, false
}

// str reads a string or null into *p. A name seen before gives up:
// encoding/json's rules for repeats (the last wins, objects merge) are the
// exact path's business.
func (r *fastReader) str(p **string) bool {
	if done, ok := r.settled(*p != nil); done {
		return ok
	}
	v, ok := r.rawString()
	if ok {
		*p = r.keep(v)
	}
	return ok
}

// integer reads a plain JSON integer (no fraction, exponent or leading
// zero, at most 18 digits) or null into *p.
func (r *fastReader) integer(p **int) bool {
	if done, ok := r.settled(*p != nil); done {
		return ok
	}
	j, neg := r.i, false
	if j < len(r.b) && r.b[j] == '-' {
		neg, j = true, j+1
	}
	start, n := j, 0
	for ; j < len(r.b) && r.b[j] >= '0' && r.b[j] <= '9'; j++ {
		n = n*10 + int(r.b[j]-'0')
	}
	digits := j - start
	if digits == 0 || digits > 18 || digits > 1 && r.b[start] == '0' {
		return false
	}
	if j < len(r.b) && (r.b[j] == '.' || r.b[j] == 'e' || r.b[j] == 'E') {
		return false
	}
	if neg {
		n = -n
	}
	r.i, *p = j, &n
	return true
}

// boolean reads true, false or null into *p.
func (r *fastReader) boolean(p **bool) bool {
	if done, ok := r.settled(*p != nil); done {
		return ok
	}
	var v bool
	switch {
	case r.i+4 <= len(r.b) && r.s[r.i:r.i+4] == "true":
		r.i, v = r.i+4, true
	case r.i+5 <= len(r.b) && r.s[r.i:r.i+5] == "false":
		r.i += 5
	default:
		return false
	}
	*p = &v
	return true
}

// sub reads an object or null into *p with decode; a repeat gives up.
func sub[T any](r *fastReader, p **T, decode func(*T) bool) bool {
	if done, ok := r.settled(*p != nil); done {
		return ok
	}
	*p = new(T)
	return decode(*p)
}

func (u *updateRequest) reset() { *u = updateRequest{} }

func (u *updateRequest) decodeFast(r *fastReader) bool {
	return r.object(func(name string) bool {
		switch name {
		case "tag":
			return r.str(&u.Tag)
		case "name":
			return r.str(&u.Name)
		case "surname":
			return r.str(&u.Surname)
		case "email":
			return r.str(&u.Email)
		case "mobile":
			return sub(r, &u.Mobile, func(m *mobileRequest) bool {
				return r.object(func(name string) bool {
					switch name {
					case "countryCode":
						return r.str(&m.CountryCode)
					case "number":
						return r.str(&m.Number)
					}
					return false
				})
			})
		case "dateOfBirth":
			return sub(r, &u.DateOfBirth, func(d *dateRequest) bool {
				return r.object(func(name string) bool {
					switch name {
					case "year":
						return r.integer(&d.Year)
					case "month":
						return r.integer(&d.Month)
					case "day":
						return r.integer(&d.Day)
					}
					return false
				})
			})
		case "address":
			return sub(r, &u.Address, func(a *addressRequest) bool { return a.decodeFast(r) })
		case "feeGroup":
			return r.str(&u.FeeGroup)
		case "baseCurrency":
			return r.str(&u.BaseCurrency)
		case "occupation":
			return r.str(&u.Occupation)
		case "sourceOfFunds":
			return r.str(&u.SourceOfFunds)
		case "sourceOfFundsOther":
			return r.str(&u.SourceOfFundsOther)
		case "placeOfBirth":
			return r.str(&u.PlaceOfBirth)
		case "nationality":
			return r.str(&u.Nationality)
		case "resetMobileCounter":
			return r.boolean(&u.ResetMobileCounter)
		case "userTag":
			return r.str(&u.UserTag)
		case "locale":
			return r.str(&u.Locale)
		case "brand":
			return r.str(&u.Brand)
		}
		return false
	})
}

func (a *addressRequest) decodeFast(r *fastReader) bool {
	return r.object(func(name string) bool {
		switch name {
		case "addressLine1":
			return r.str(&a.AddressLine1)
		case "addressLine2":
			return r.str(&a.AddressLine2)
		case "city":
			return r.str(&a.City)
		case "postCode":
			return r.str(&a.PostCode)
		case "state":
			return r.str(&a.State)
		case "country":
			return r.str(&a.Country)
		}
		return false
	})
}

func (l *loginRequest) reset() { *l = loginRequest{} }

func (l *loginRequest) decodeFast(r *fastReader) bool {
	return r.object(func(name string) bool {
		switch name {
		case "email":
			return r.str(&l.Email)
		case "password":
			return sub(r, &l.Password, func(p *struct {
				Value *string `json:"value"`
			}) bool {
				return r.object(func(name string) bool { return name == "value" && r.str(&p.Value) })
			})
		}
		return false
	})
}
