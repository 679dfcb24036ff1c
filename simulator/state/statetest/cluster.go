package statetest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// EnvCluster names a running Redis Cluster for the tests, in go-redis'
// form: redis://HOST:PORT?addr=HOST:PORT&addr=HOST:PORT.
const EnvCluster = "SANDBOX_TEST_REDIS_CLUSTER"

var (
	clusterOnce sync.Once
	clusterURL  string
	clusterErr  error
)

// ClusterURL returns the URL of a real three-master Redis Cluster with a
// fresh key prefix: the one SANDBOX_TEST_REDIS_CLUSTER names, or else one
// the test binary starts itself (three redis-server --cluster-enabled on
// free loopback ports joined by redis-cli --cluster create) that dies
// with it. As with URL, no Redis fails the test (skips under -short).
func ClusterURL(t testing.TB) string {
	t.Helper()
	clusterOnce.Do(func() {
		if clusterURL = os.Getenv(EnvCluster); clusterURL == "" {
			clusterURL, _, clusterErr = startCluster(nil)
		}
	})
	if clusterErr != nil {
		missing(t, clusterErr)
	}
	return withPrefix(t, EnvCluster, clusterURL)
}

// clusterClient is a client of the cluster rawURL names (its prefix
// dropped), closed when t ends.
func clusterClient(t testing.TB, rawURL string) *redis.ClusterClient {
	t.Helper()
	o, err := redis.ParseClusterURL(strings.Split(rawURL, "&prefix=")[0])
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClusterClient(o)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// ClusterMasters lists the masters' addresses of the cluster rawURL names.
func ClusterMasters(t testing.TB, rawURL string) []string {
	t.Helper()
	c := clusterClient(t, rawURL)
	var mu sync.Mutex
	var out []string
	err := c.ForEachMaster(context.Background(), func(ctx context.Context, n *redis.Client) error {
		mu.Lock()
		out = append(out, n.Options().Addr)
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// NewCluster starts a three-master Redis Cluster of the test's own (for
// tests that take a master away), with cluster-require-full-coverage
// off so the masters left keep serving their slots, and returns its URL
// (with a key prefix) and a function that kills the master at an
// address.
func NewCluster(t testing.TB) (rawURL string, kill func(addr string)) {
	t.Helper()
	procs := map[string]*os.Process{}
	u, procs, err := startCluster(procs)
	if err != nil {
		missing(t, err)
	}
	t.Cleanup(func() {
		for _, p := range procs {
			_ = p.Kill()
			_, _ = p.Wait()
		}
	})
	return u + "&prefix=t:", func(addr string) {
		if p := procs[addr]; p != nil {
			_ = p.Kill()
			_, _ = p.Wait()
			delete(procs, addr)
		}
	}
}

// startCluster starts three masters and joins them; with procs, the
// cluster is a test's own (NewCluster): its processes are returned.
func startCluster(procs map[string]*os.Process) (string, map[string]*os.Process, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", nil, fmt.Errorf("no Redis Cluster for the tests: set %s or install redis-server (apt-get install -y redis-server)", EnvCluster)
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		return "", nil, fmt.Errorf("no redis-cli to create a cluster: %w", err)
	}
	dir, err := os.MkdirTemp("", "statetest-cluster-")
	if err != nil {
		return "", nil, err
	}
	var addrs []string
	for i := range 3 {
		port, err := clusterPort()
		if err != nil {
			return "", nil, err
		}
		cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", dir, "--cluster-enabled", "yes", "--cluster-config-file", fmt.Sprintf("nodes-%d.conf", i),
			"--cluster-require-full-coverage", "no")
		cmd.SysProcAttr = dieWithParent()
		if err := cmd.Start(); err != nil {
			return "", nil, fmt.Errorf("start redis-server: %w", err)
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if procs != nil {
			procs[addr] = cmd.Process
		}
		if err := waitTCP(addr); err != nil {
			return "", nil, err
		}
		addrs = append(addrs, addr)
	}
	create := exec.Command(cli, append(append([]string{"--cluster", "create"}, addrs...), "--cluster-replicas", "0", "--cluster-yes")...)
	if out, err := create.CombinedOutput(); err != nil {
		return "", nil, fmt.Errorf("redis-cli --cluster create: %v: %s", err, out)
	}
	c := redis.NewClient(&redis.Options{Addr: addrs[0]})
	defer c.Close()
	for range 100 {
		if info, err := c.ClusterInfo(context.Background()).Result(); err == nil && strings.Contains(info, "cluster_state:ok") {
			return "redis://" + addrs[0] + "?addr=" + addrs[1] + "&addr=" + addrs[2], procs, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return "", nil, fmt.Errorf("the Redis Cluster on %v did not become ready", addrs)
}

// MasterOf is the address of the master that holds key in the cluster
// rawURL names.
func MasterOf(t testing.TB, rawURL, key string) string {
	t.Helper()
	n, err := clusterClient(t, rawURL).MasterForKey(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return n.Options().Addr
}

func waitTCP(addr string) error {
	for range 100 {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			_ = c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("redis-server on %s did not start", addr)
}

// clusterPort is a free loopback port whose cluster bus port (PORT+10000)
// exists and is free too.
func clusterPort() (int, error) {
	for range 100 {
		p, err := freePort()
		if err != nil {
			return 0, err
		}
		if p > 55535 {
			continue
		}
		if l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p+10000))); err == nil {
			_ = l.Close()
			return p, nil
		}
	}
	return 0, fmt.Errorf("no free port pair (PORT, PORT+10000) for a cluster node")
}
