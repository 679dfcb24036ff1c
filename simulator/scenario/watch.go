package scenario

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
)

// Catalog is where an engine's scenarios come from: fixed layers (the
// embedded catalog) and, optionally, a directory of files over them
// (--scenarios DIR, same name replaces).
type Catalog struct {
	Vocabulary Vocabulary
	Base       []Layer
	Dir        string
}

// Load reads the catalog's layers, the directory last.
func (c Catalog) Load() (*Set, error) {
	layers := c.Base
	if c.Dir != "" {
		st, err := os.Stat(c.Dir)
		if err == nil && !st.IsDir() {
			err = errors.New("a file, not a directory")
		}
		if err == nil {
			_, err = os.ReadDir(c.Dir) // a folder the user cannot list (a mount's permissions) fails here, by name
		}
		if err != nil {
			return nil, fmt.Errorf("--scenarios %s: not a readable directory (%v)", c.Dir, err)
		}
		layers = append(append([]Layer(nil), layers...), Layer{Name: c.Dir, FS: os.DirFS(c.Dir)})
	}
	return LoadFS(c.Vocabulary, layers...)
}

// DefaultReloadTimeout bounds a reload when Watcher.Timeout is not set.
const DefaultReloadTimeout = 5 * time.Second

// Watcher reloads a Catalog's directory into an Engine when its files
// change; an invalid edit is logged and the last good set stays.
type Watcher struct {
	// Timeout bounds one reload: reading the files and compiling them. A
	// reload that takes longer (a read that blocks, as on a stalled
	// network mount) gives up and keeps the previous set; DefaultReloadTimeout
	// when zero. Set it before Run.
	Timeout time.Duration

	catalog Catalog
	engine  *Engine
	logger  *slog.Logger
	failed  func() // counts a failed reload (metrics)

	// mu serialises reloads and guards both fingerprints and stuck: print
	// of the files the active set came from, settling of a change seen
	// once and not loaded yet, stuck the end of the reading a reload gave
	// up on (nil when none), so that another is not started beside it.
	mu       sync.Mutex
	print    string
	settling string
	stuck    <-chan struct{}
}

// NewWatcher loads the catalog, builds the engine over it with opts (its
// Vocabulary and Set are the catalog's), and returns both. failed, when
// set, is called on every failed reload.
func NewWatcher(c Catalog, opts Options, logger *slog.Logger, failed func()) (*Watcher, *Engine, error) {
	print := fingerprint(c.Dir) // before loading: an edit in between is seen later
	set, err := c.Load()
	if err != nil {
		return nil, nil, err
	}
	opts.Vocabulary, opts.Set = c.Vocabulary, set
	e, err := NewEngine(opts)
	if err != nil {
		return nil, nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if failed == nil {
		failed = func() {}
	}
	w := &Watcher{catalog: c, engine: e, logger: logger, failed: failed, print: print}
	w.logSkipped(set)
	return w, e, nil
}

// Dir is the watched directory ("" when there is none).
func (w *Watcher) Dir() string { return w.catalog.Dir }

// Run checks the directory every interval until ctx ends (nothing to do
// without a directory or with interval 0).
func (w *Watcher) Run(ctx context.Context, interval time.Duration) {
	if w.catalog.Dir == "" {
		return
	}
	clock.Every(ctx, interval, func() { _ = w.Check() })
}

// Check loads the directory when its files changed since the active set
// was loaded and then stayed the same for one more check, so that a file
// caught in the middle of a save is never loaded.
func (w *Watcher) Check() error { return w.reload(false) }

// Reload loads what the directory holds now (the control API's reload);
// it returns the error that kept the previous set active.
func (w *Watcher) Reload() error { return w.reload(true) }

func (w *Watcher) reload(force bool) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	timeout := w.Timeout
	if timeout <= 0 {
		timeout = DefaultReloadTimeout
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	if w.stuck != nil {
		select {
		case <-w.stuck:
			w.stuck = nil
		case <-deadline.C:
			return w.fail(fmt.Errorf("scenario reload timed out after %s: the previous reload is still blocked (a file that cannot be read?); the previous scenarios stay active", timeout))
		}
	}
	// Reading happens aside, so that a read that never ends (nothing can
	// interrupt it) holds up neither this reload nor the next ones.
	within := func(read func()) error {
		done := make(chan struct{})
		go func() {
			defer close(done)
			read()
		}()
		select {
		case <-done:
			return nil
		case <-deadline.C:
			w.stuck = done
			return w.fail(fmt.Errorf("scenario reload timed out after %s (a file that cannot be read?); the previous scenarios stay active", timeout))
		}
	}
	var fp string
	if err := within(func() { fp = fingerprint(w.catalog.Dir) }); err != nil {
		return err
	}
	if !force {
		switch fp {
		case w.print:
			w.settling = ""
			return nil
		case w.settling: // unchanged since the last check: settled
		default:
			w.settling = fp
			return nil
		}
	}
	var set *Set
	var err error
	if timedOut := within(func() { set, err = w.catalog.Load() }); timedOut != nil {
		return timedOut // print unchanged: the next check tries again
	}
	w.print, w.settling = fp, ""
	if err != nil {
		var el ErrorList
		if errors.As(err, &el) {
			w.failed()
			for _, e := range el {
				w.logger.Error("scenario reload failed; keeping the previous scenarios", "error", e.Error())
			}
			return err
		}
		return w.fail(err)
	}
	w.logSkipped(set)
	w.engine.Replace(set)
	w.logger.Info("scenarios reloaded", "dir", w.catalog.Dir, "scenarios", set.Len())
	return nil
}

// fail counts and logs a failed reload, and returns its error.
func (w *Watcher) fail(err error) error {
	w.failed()
	w.logger.Error("scenario reload failed; keeping the previous scenarios", "error", err)
	return err
}

// logSkipped logs the files a load left out (they are not regular files).
func (w *Watcher) logSkipped(set *Set) {
	for _, e := range set.Skipped() {
		w.logger.Error("scenario file skipped", "error", e.Error())
	}
}

// fingerprint summarises the scenario files of dir as the loader sees
// them: names and a hash of their contents (modification times can be too
// coarse to see an edit), and the entries it skips (never opened).
func fingerprint(dir string) string {
	if dir == "" {
		return ""
	}
	h := sha256.New()
	fsys := os.DirFS(dir)
	entries, err := scenarioEntries(fsys)
	if err != nil {
		fmt.Fprintf(h, "error\x00%v\x00", err)
	}
	for _, e := range entries {
		if e.irregular != "" {
			fmt.Fprintf(h, "%s\x00skipped\x00%s\x00", e.path, e.irregular)
			continue
		}
		data, err := fs.ReadFile(fsys, e.path)
		if err != nil {
			fmt.Fprintf(h, "%s\x00error\x00%v\x00", e.path, err)
			continue
		}
		fmt.Fprintf(h, "%s\x00%d\x00", e.path, len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))
}
