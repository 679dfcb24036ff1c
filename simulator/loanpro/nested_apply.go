package loanpro

import (
	"slices"
	"time"
)

// apply merges the nested edits into c (a copy owned by the caller; its
// Phones slice is replaced, never modified in place) and checks what
// depends on the current record: ownership of every __id, the phone
// limits. now stamps a created address.
func (n *nestedPatch) apply(c *Customer, now time.Time) *ruleError {
	if n.primary != nil {
		if err := n.primary.apply(c, &c.PrimaryAddress, primaryAddressID(c.ID), now); err != nil {
			return err
		}
	}
	if n.mail != nil {
		if err := n.mail.apply(c, &c.MailAddress, mailAddressID(c.ID), now); err != nil {
			return err
		}
	}
	if len(n.phones) > 0 {
		return n.applyPhones(c)
	}
	return nil
}

func (a *addressEdit) apply(c *Customer, dst *Address, newID int, now time.Time) *ruleError {
	switch {
	case a.ctl.hasID && (!dst.Available || dst.ID != a.ctl.id):
		none := ""
		if !dst.Available {
			none = ": the customer has none"
		}
		return ruleErr(msgNestedAddressOwned, a.ctl.id, a.path, a.ctl.id, a.name, c.ID, none)
	case !a.ctl.hasID && dst.Available:
		return ruleErr(msgNestedNeedID, a.path, c.ID, a.name, dst.ID, dst.ID)
	case !a.ctl.hasID:
		for _, f := range []struct {
			name string
			o    opt[string]
		}{{"address1", a.address1}, {"city", a.city}, {"state", a.state}, {"zipcode", a.zipcode}} {
			if !f.o.present {
				return ruleErr(msgNestedRequired, a.path, f.name, a.name)
			}
		}
		*dst = Address{ID: newID, Country: countryUSA, Created: now, Available: true}
	}
	setReq(&dst.Address1, a.address1)
	setStr(&dst.Address2, a.address2)
	setReq(&dst.City, a.city)
	setReq(&dst.State, a.state)
	setReq(&dst.Zipcode, a.zipcode)
	setReq(&dst.Country, a.country)
	setStr(&dst.GeoLat, a.geoLat)
	setStr(&dst.GeoLon, a.geoLon)
	if a.isVerified.present {
		dst.Verified = a.isVerified.v
	}
	if a.isStandardized.present {
		dst.Standardized = a.isStandardized.v
	}
	return nil
}

func (n *nestedPatch) applyPhones(c *Customer) *ruleError {
	phones := slices.Clone(c.Phones)
	for i := range n.phones {
		e := &n.phones[i]
		at := -1
		if e.ctl.hasID {
			at = slices.IndexFunc(phones, func(p Phone) bool { return p.ID == e.ctl.id })
			if at < 0 {
				return ruleErr(msgNestedPhoneOwned, e.ctl.id, e.path, e.ctl.id, c.ID)
			}
		}
		switch {
		case e.ctl.destroy:
			phones = slices.Delete(phones, at, at+1)
			continue
		case at < 0:
			if c.PhoneSeq >= maxPhoneSeq {
				return ruleErr(msgNestedPhoneIDs, c.ID, maxPhoneSeq)
			}
			phones = append(phones, Phone{ID: phoneID(c.ID, c.PhoneSeq), Type: defaultPhoneType})
			c.PhoneSeq++
			at = len(phones) - 1
		}
		p := &phones[at]
		if e.phone.present {
			p.Phone = phoneDigits(e.phone.v)
		}
		setReq(&p.Type, e.typ)
		if e.dndEnabled.present {
			p.DND = e.dndEnabled.v
		}
		// One primary and one secondary phone: setting a flag on one phone
		// clears it on the others (and the other flag on this one), as
		// LoanPro's UI does.
		if e.isPrimary.present {
			if e.isPrimary.v {
				for j := range phones {
					phones[j].IsPrimary = false
				}
				p.IsSecondary = false
			}
			p.IsPrimary = e.isPrimary.v
		}
		if e.isSecondary.present {
			if e.isSecondary.v {
				for j := range phones {
					phones[j].IsSecondary = false
				}
				p.IsPrimary = false
			}
			p.IsSecondary = e.isSecondary.v
		}
	}
	if len(phones) > maxPhones {
		return ruleErr(msgNestedPhoneLimit, c.ID, len(phones), maxPhones)
	}
	c.Phones = phones
	return nil
}
