package weavr

import (
	"encoding/json"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/fixtures"
	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state/statetest"
)

// TestConsumersAcrossReplicas: two Services (two replicas, each with its
// own seeded base) over one session in Redis create, replay and update
// consumers as one sandbox: ids count from createdFirstID, email
// uniqueness holds across seeded and created consumers under concurrent
// creates, idempotent creates replay the first answer, and concurrent
// updates of a created consumer all land.
func TestConsumersAcrossReplicas(t *testing.T) {
	r := statetest.Open(t)
	sc := state.Scope{R: r, Session: "s", Gen: 1}
	var svcs [2]*Service
	var worlds [2]*World
	for i := range svcs {
		s, err := New(Options{Settings: DefaultSettings(), Seed: 1, Fixtures: fixtures.FS})
		if err != nil {
			t.Fatal(err)
		}
		svcs[i], worlds[i] = s, s.newWorld(sc, clock.NewSession(clock.Real{}))
	}
	p := svcs[0].data.programmes[0]
	create := func(i int, idem, email string) (Consumer, bool, error) {
		var req createRequest
		body := `{"profileId":"` + p.ProfileID + `","ipAddress":"192.0.2.1","rootUser":{"name":"N","surname":"S","email":"` + email +
			`","mobile":{"countryCode":"+356","number":"79000000"},"dateOfBirth":{"year":1990,"month":1,"day":2},"address":{"country":"MT"}}}`
		if err := json.Unmarshal([]byte(body), &req); err != nil {
			t.Fatal(err)
		}
		s := svcs[i%2]
		return worlds[i%2].consumers.Insert(idem, func(tx consumerTx, id string) (Consumer, error) {
			return s.newConsumer(tx, p, &req, 1_700_000_000_000)
		})
	}
	var ok, taken atomic.Int64
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch _, _, err := create(g, "", "same@example.com"); err {
			case nil:
				ok.Add(1)
			case ErrRootEmailNotUnique:
				taken.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 || taken.Load() != 31 {
		t.Fatalf("%d created, %d refused; want 1, 31", ok.Load(), taken.Load())
	}
	seeded := svcs[0].data.consumers.Fork().Lookup(indexEmail, "dave@example.com")
	if len(seeded) != 1 {
		t.Fatalf("fixture dave@example.com: %+v", seeded)
	}
	if _, _, err := create(1, "", "Dave@Example.com"); err != ErrRootEmailNotUnique {
		t.Errorf("create with a seeded consumer's email: %v", err)
	}
	first, replayed, err := create(1, "ref", "second@example.com")
	if err != nil || replayed || first.ID != strconv.Itoa(createdFirstID+1) {
		t.Fatalf("second create = %s, %v, %v", first.ID, replayed, err)
	}
	again, replayed, err := create(0, "ref", "second@example.com")
	if err != nil || !replayed || again.ID != first.ID {
		t.Fatalf("replay on the other replica = %s, %v, %v", again.ID, replayed, err)
	}
	for g := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := worlds[g%2].consumers.Update(first.ID, func(_ consumerTx, c Consumer) (Consumer, error) {
				c.MobileChanges++
				return c, nil
			}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, found := worlds[0].consumers.Get(first.ID)
	if !found || got.MobileChanges != 64 || got.Email != "second@example.com" {
		t.Errorf("created consumer after 64 updates: %+v %v", got, found)
	}
	n := svcs[0].data.consumers.Len()
	page, total := worlds[1].consumers.Page(nil, n, 10)
	if total != n+2 || len(page) != 2 || page[0].ID != strconv.Itoa(createdFirstID) || page[1].ID != first.ID {
		t.Errorf("created consumers after the %d seeded: %d total, %+v", n, total, page)
	}
	if other := svcs[1].newWorld(state.Scope{R: r, Session: "other", Gen: 1}, clock.NewSession(clock.Real{})); len(other.consumers.Lookup(indexEmail, "same@example.com")) != 0 {
		t.Error("another session sees a created consumer")
	}
}
