package loanpro

import (
	"encoding/json"
	"strconv"
	"sync"
)

// metadataBase is the absolute service root LoanPro puts in __metadata.uri.
// The sandbox keeps the real host (as in the reference example) so that
// clients comparing URIs see what production sends.
const metadataBase = "http://loanpro.simnang.com/api/public/api/1/odata.svc/"

type meta struct {
	URI  string `json:"uri"`
	Type string `json:"type"`
}

func metaFor(set string, id int, typ string) meta {
	return meta{URI: metadataBase + set + "(id=" + strconv.Itoa(id) + ")", Type: typ}
}

type results[T any] struct {
	Results []T `json:"results"`
}

type addressJSON struct {
	Metadata       meta   `json:"__metadata"`
	ID             int    `json:"id"`
	Address1       string `json:"address1"`
	Address2       nstr   `json:"address2"`
	City           string `json:"city"`
	State          string `json:"state"`
	Zipcode        string `json:"zipcode"`
	Country        string `json:"country"`
	GeoLat         nstr   `json:"geoLat"`
	GeoLon         nstr   `json:"geoLon"`
	Created        ndate  `json:"created"`
	Active         int    `json:"active"`
	IsVerified     int    `json:"isVerified"`
	IsStandardized int    `json:"isStandardized"`
}

type phoneJSON struct {
	Metadata        meta   `json:"__metadata"`
	ID              int    `json:"id"`
	EntityID        int    `json:"entityId"`
	EntityType      string `json:"entityType"`
	Phone           string `json:"phone"`
	Type            string `json:"type"`
	IsPrimary       int    `json:"isPrimary"`
	IsSecondary     int    `json:"isSecondary"`
	CarrierName     nstr   `json:"carrierName"`
	CarrierVerified int    `json:"carrierVerified"`
	IsLandLine      int    `json:"isLandLine"`
	DndEnabled      int    `json:"dndEnabled"`
	Active          int    `json:"active"`
}

type employerJSON struct {
	Metadata        meta   `json:"__metadata"`
	ID              int    `json:"id"`
	CustomerID      int    `json:"customerId"`
	CompanyName     string `json:"companyName"`
	Title           string `json:"title"`
	HireDate        ndate  `json:"hireDate"`
	Income          int    `json:"income"`
	IncomeFrequency string `json:"incomeFrequency"`
	Phone           nstr   `json:"phone"`
}

type creditScoreJSON struct {
	Metadata        meta  `json:"__metadata"`
	ID              int   `json:"id"`
	EquifaxScore    nint  `json:"equifaxScore"`
	TransunionScore nint  `json:"transunionScore"`
	ExperianScore   nint  `json:"experianScore"`
	Modified        ndate `json:"modified"`
}

type referenceJSON struct {
	Metadata       meta   `json:"__metadata"`
	ID             int    `json:"id"`
	CustomerID     int    `json:"customerId"`
	Name           string `json:"name"`
	Relation       string `json:"relation"`
	PrimaryPhone   string `json:"primaryPhone"`
	SecondaryPhone nstr   `json:"secondaryPhone"`
}

func addressValue(a Address) any {
	if !a.Available {
		return nil
	}
	return addressJSON{
		Metadata: metaFor("Address", a.ID, "Entity.Address"), ID: a.ID, Address1: a.Address1, Address2: a.Address2,
		City: a.City, State: a.State, Zipcode: a.Zipcode, Country: a.Country, Created: someDate(a.Created),
		GeoLat: a.GeoLat, GeoLon: a.GeoLon, Active: 1, IsVerified: flag(a.Verified), IsStandardized: flag(a.Standardized),
	}
}

// navValue is the expanded value of navigation property name of c: a single
// object (or null when absent) or {"results":[…]} for a collection.
func navValue(c *Customer, name string) any {
	switch name {
	case "PrimaryAddress":
		return addressValue(c.PrimaryAddress)
	case "MailAddress":
		return addressValue(c.MailAddress)
	case "Phones":
		out := results[phoneJSON]{Results: make([]phoneJSON, 0, len(c.Phones))}
		for _, p := range c.Phones {
			out.Results = append(out.Results, phoneJSON{
				Metadata: metaFor("CustomerPhones", p.ID, "Entity.CustomerPhone"), ID: p.ID, EntityID: c.ID,
				EntityType: "Entity.Customer", Phone: p.Phone, Type: p.Type, IsPrimary: flag(p.IsPrimary),
				IsSecondary: flag(p.IsSecondary), IsLandLine: flag(isLandLine(p.Type)),
				DndEnabled: flag(p.DND), Active: 1,
			})
		}
		return out
	case "Employer":
		e := c.Employer
		if e == nil {
			return nil
		}
		return employerJSON{
			Metadata: metaFor("Employers", e.ID, "Entity.Employer"), ID: e.ID, CustomerID: c.ID,
			CompanyName: e.CompanyName, Title: e.Title, HireDate: e.HireDate, Income: e.Income,
			IncomeFrequency: e.IncomeFreq, Phone: e.Phone,
		}
	case "CreditScore":
		s := c.CreditScore
		return creditScoreJSON{
			Metadata: metaFor("CreditScores", s.ID, "Entity.CreditScore"), ID: s.ID,
			EquifaxScore: s.Equifax, TransunionScore: s.TransUnion, ExperianScore: s.Experian, Modified: someDate(s.Modified),
		}
	case "References":
		out := results[referenceJSON]{Results: make([]referenceJSON, 0, len(c.References))}
		for _, r := range c.References {
			out.Results = append(out.Results, referenceJSON{
				Metadata: metaFor("CustomerReferences", r.ID, "Entity.CustomerReference"), ID: r.ID, CustomerID: c.ID,
				Name: r.Name, Relation: r.Relation, PrimaryPhone: r.PrimaryPhone,
			})
		}
		return out
	default:
		// PaymentAccounts, CustomFieldValues, Documents, Loans, SocialProfiles,
		// Notes: the sandbox seeds none, so they expand to empty collections.
		return results[struct{}]{Results: []struct{}{}}
	}
}

// projection is what a request asked to see: expanded navigation
// properties and, with $select, the subset of properties.
type projection struct {
	expand map[string]bool
	sel    map[string]bool // nil: every property
}

// appendCustomer renders c as an Entity.Customer object: __metadata, the
// navigation properties (deferred unless expanded), then the scalar
// properties, in the reference example's order.
func (s *Service) appendCustomer(buf []byte, c *Customer, p projection) []byte {
	buf = append(buf, `{"__metadata":{"uri":"`+metadataBase+`Customers(id=`...)
	buf = strconv.AppendInt(buf, int64(c.ID), 10)
	buf = append(buf, `)","type":"Entity.Customer"}`...)
	for _, nav := range s.navs {
		if p.sel != nil && !p.sel[nav.name] && !p.expand[nav.name] {
			continue
		}
		buf = append(buf, ',', '"')
		buf = append(buf, nav.name...)
		buf = append(buf, '"', ':')
		if p.expand[nav.name] {
			buf = appendJSON(buf, navValue(c, nav.name))
			continue
		}
		// {"__deferred":{"uri":"Customers(id=N)/Name"}}: nav names are
		// plain ASCII identifiers, so nothing needs escaping.
		buf = append(buf, `{"__deferred":{"uri":"Customers(id=`...)
		buf = strconv.AppendInt(buf, int64(c.ID), 10)
		buf = append(buf, ")/"...)
		buf = append(buf, nav.name...)
		buf = append(buf, `"}}`...)
	}
	for i := range s.fields {
		f := &s.fields[i]
		if p.sel != nil && !p.sel[f.name] {
			continue
		}
		buf = append(buf, ',', '"')
		buf = append(buf, f.name...)
		buf = append(buf, '"', ':')
		buf = f.appendJSON(buf, c)
	}
	return append(buf, '}')
}

// appendJSON appends v, a value of a sandbox-owned type that always
// marshals.
func appendJSON(buf []byte, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return append(buf, "null"...)
	}
	return append(buf, b...)
}

// entityBody renders {"d":{…customer…}}, the answer to GET and PUT.
func (s *Service) entityBody(c *Customer, p projection) []byte {
	buf := make([]byte, 0, 2048)
	buf = append(buf, `{"d":`...)
	buf = s.appendCustomer(buf, c, p)
	return append(buf, '}')
}

// renderEntity is entityBody for a customer held by value (read from or
// returned by the store). The fields' get functions are dynamic calls,
// which escape analysis cannot follow: rendering through &c would move
// every request's copy of the record (about 1 KB) to the heap. The copy
// is rendered from a pooled record instead, cleared afterwards so that the
// pool holds no customer data.
func (s *Service) renderEntity(c Customer, p projection) []byte {
	cp := renderScratch.Get().(*Customer)
	*cp = c
	body := s.entityBody(cp, p)
	*cp = Customer{}
	renderScratch.Put(cp)
	return body
}

var renderScratch = sync.Pool{New: func() any { return new(Customer) }}

// listBody renders {"d":{"results":[…],"summary":{…}}}, LoanPro's list
// shape with its paging summary.
func (s *Service) listBody(cs []Customer, p projection, start, pageSize, total int) []byte {
	buf := make([]byte, 0, 2048*len(cs)+64)
	buf = append(buf, `{"d":{"results":[`...)
	for i := range cs {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = s.appendCustomer(buf, &cs[i], p)
	}
	buf = append(buf, `],"summary":{"start":`...)
	buf = strconv.AppendInt(buf, int64(start), 10)
	buf = append(buf, `,"pageSize":`...)
	buf = strconv.AppendInt(buf, int64(pageSize), 10)
	buf = append(buf, `,"total":`...)
	buf = strconv.AppendInt(buf, int64(total), 10)
	return append(buf, `}}}`...)
}

// navBody renders {"d": <nested entity>} for Customers(id)/Nav, the URI a
// __deferred points at.
func navBody(c *Customer, name string) []byte {
	buf := appendJSON([]byte(`{"d":`), navValue(c, name))
	return append(buf, '}')
}
