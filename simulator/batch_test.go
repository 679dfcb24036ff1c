package simulator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// overtake is a go-redis hook that, before the first flush carrying a
// deferred commit of table goes out, runs write (another replica's
// request): the commit the flush carries is then overtaken.
type overtake struct {
	table string
	write func()
	done  atomic.Bool
}

func (o *overtake) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (o *overtake) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (o *overtake) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			a := c.Args()
			if len(a) > 5 && fmt.Sprint(a[0]) == "evalsha" && a[1] == state.WriteScript.Hash() && fmt.Sprint(a[2]) == "3" {
				if k, _ := a[3].(string); strings.Contains(k, o.table) && o.done.CompareAndSwap(false, true) {
					o.write()
				}
			}
		}
		return next(ctx, cmds)
	}
}

// TestOvertakenDeferredCommitRunsAgain: a PATCH's commit waits for the
// request's flush (with its journal entry); when another replica's write
// of the consumer lands in between, nothing of the first run is written
// or answered: the handler runs again on the new record, and the client,
// the store and the journal all get that second run, once.
func TestOvertakenDeferredCommitRunsAgain(t *testing.T) {
	onBackends(t, func(t *testing.T, url string) {
		a, rdA := startReplicaOn(t, url)
		b, _ := startReplicaOn(t, url)
		tok := login(t, a, "alice@example.com", "X-Sandbox-Session", "ov")
		auth := []string{"api-key", apiKey, "Authorization", "Bearer " + tok, "Content-Type", "application/json", "X-Sandbox-Session", "ov"}
		if st, _, body := sendTo(t, a, "PATCH", "/multi/consumers", `{"tag":"warm"}`, auth...); st != 200 {
			t.Fatalf("warm-up: %d %s", st, body)
		}
		hook := &overtake{table: "weavr.consumers", write: func() {
			if st, _, body := sendTo(t, b, "PATCH", "/multi/consumers", `{"name":"Bea"}`, auth...); st != 200 {
				t.Errorf("B's PATCH: %d %s", st, body)
			}
		}}
		rdA.Client().AddHook(hook)
		st, _, body := sendTo(t, a, "PATCH", "/multi/consumers", `{"tag":"fromA"}`, auth...)
		if st != 200 || !hook.done.Load() {
			t.Fatalf("A's PATCH: %d %s (overtaken: %v)", st, body, hook.done.Load())
		}
		var got struct {
			Tag      string
			RootUser struct{ Name string }
		}
		if err := json.Unmarshal(body, &got); err != nil || got.Tag != "fromA" || got.RootUser.Name != "Bea" {
			t.Errorf("A's answer %s: want tag fromA over B's name Bea (the second run's)", body)
		}
		_, _, now := sendTo(t, b, "GET", "/multi/consumers", "", auth...)
		if err := json.Unmarshal(now, &got); err != nil || got.Tag != "fromA" || got.RootUser.Name != "Bea" {
			t.Errorf("stored %s: want both writes", now)
		}
		_, _, j := sendTo(t, b, "GET", "/__sandbox/sessions/ov/journal?operation=weavr.consumerUpdate", "")
		var entries struct {
			Entries []struct {
				Status       int
				ResponseBody string
			}
		}
		if err := json.Unmarshal(j, &entries); err != nil {
			t.Fatalf("journal %s: %v", j, err)
		}
		if n := len(entries.Entries); n != 3 {
			t.Fatalf("journal holds %d consumerUpdate entries, want 3 (warm-up, B's, A's once): %s", n, j)
		}
		last := entries.Entries[2].ResponseBody
		if !strings.Contains(last, `fromA`) || !strings.Contains(last, `Bea`) {
			t.Errorf("A's journal entry answers %s, want the second run's", last)
		}
	})
}
