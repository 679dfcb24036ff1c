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
	"path/filepath"
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
		if st, err := os.Stat(c.Dir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("--scenarios %s: not a readable directory", c.Dir)
		}
		layers = append(append([]Layer(nil), layers...), Layer{Name: c.Dir, FS: os.DirFS(c.Dir)})
	}
	return LoadFS(c.Vocabulary, layers...)
}

// Watcher reloads a Catalog's directory into an Engine when its files
// change; an invalid edit is logged and the last good set stays.
type Watcher struct {
	catalog Catalog
	engine  *Engine
	logger  *slog.Logger
	failed  func() // counts a failed reload (metrics)

	// mu serialises reloads and guards both fingerprints: print of the
	// files the active set came from, settling of a change seen once and
	// not loaded yet.
	mu       sync.Mutex
	print    string
	settling string
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
	return &Watcher{catalog: c, engine: e, logger: logger, failed: failed, print: print}, e, nil
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
	fp := fingerprint(w.catalog.Dir)
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
	w.print, w.settling = fp, ""
	set, err := w.catalog.Load()
	if err != nil {
		w.failed()
		var el ErrorList
		if errors.As(err, &el) {
			for _, e := range el {
				w.logger.Error("scenario reload failed; keeping the previous scenarios", "error", e.Error())
			}
		} else {
			w.logger.Error("scenario reload failed; keeping the previous scenarios", "error", err)
		}
		return err
	}
	w.engine.Replace(set)
	w.logger.Info("scenarios reloaded", "dir", w.catalog.Dir, "scenarios", set.Len())
	return nil
}

// fingerprint summarises the scenario files of dir: names and a hash of
// their contents (modification times can be too coarse to see an edit).
func fingerprint(dir string) string {
	if dir == "" {
		return ""
	}
	h := sha256.New()
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if ext := filepath.Ext(p); err != nil || d.IsDir() || (ext != ".yaml" && ext != ".yml") {
			return nil
		}
		data, _ := os.ReadFile(p)
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(data))
		h.Write(data)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))
}
