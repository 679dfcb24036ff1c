package state_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// TestParseURL: one Redis or a cluster (go-redis' ?addr= form), the
// prefix taken out of go-redis' options, and timeouts bounded unless the
// URL sets them, so a Redis that stops answering costs a request about
// 2 s (a 1 s read and one retry), never a hang.
func TestParseURL(t *testing.T) {
	o, err := state.ParseURL("redis://:pw@127.0.0.1:6379/3?prefix=x:")
	if err != nil {
		t.Fatal(err)
	}
	if o.Cluster != nil || o.Single == nil || o.Single.Addr != "127.0.0.1:6379" || o.Single.DB != 3 || o.Single.Password != "pw" || o.Prefix != "x:" {
		t.Errorf("one Redis: %+v", o)
	}
	if s := o.Single; s.ReadTimeout != time.Second || s.WriteTimeout != time.Second || s.DialTimeout != 500*time.Millisecond ||
		s.PoolTimeout != time.Second || s.MaxRetries != 1 || s.MaxRetryBackoff != 100*time.Millisecond || s.PipelinePoolSize != -1 || s.PoolSize != 64 {
		t.Errorf("one Redis's bounds: %+v", s)
	}
	o, err = state.ParseURL("redis://10.0.0.1:7000?addr=10.0.0.2:7000&addr=10.0.0.3:7000&read_timeout=3s")
	if err != nil {
		t.Fatal(err)
	}
	if o.Single != nil || o.Cluster == nil || strings.Join(o.Cluster.Addrs, ",") != "10.0.0.1:7000,10.0.0.2:7000,10.0.0.3:7000" || o.Prefix != state.DefaultPrefix {
		t.Errorf("cluster: %+v", o)
	}
	if c := o.Cluster; c.ReadTimeout != 3*time.Second || c.WriteTimeout != time.Second || c.MaxRetries != 1 || c.PipelinePoolSize != -1 {
		t.Errorf("cluster's bounds (read_timeout from the URL): %+v", c)
	}
	for _, bad := range []struct{ url, want string }{
		{"http://x:1", `want redis://HOST:PORT/DB or rediss://, got scheme "http"`},
		{"redis://a:1/2?addr=b:1", `a Redis Cluster has no database "2"`},
		{"redis://a:1?prefix={x}", "must not hold { or }"},
		{"redis://a:1?bogus=1", "bogus"},
		{"redis://:secret@a:1?addr=b:1&bogus=1", "xxxxx"},
	} {
		if _, err := state.ParseURL(bad.url); err == nil || !strings.Contains(err.Error(), bad.want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("ParseURL(%q) = %v, want an error with %q (and no password)", bad.url, err, bad.want)
		}
	}
}
