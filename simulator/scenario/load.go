package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
)

// Error is one problem in a scenario file, with its position.
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

func (e Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// ErrorList is every problem found, one per line as file:line:col: message.
type ErrorList []Error

func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// vocab indexes a Vocabulary for validation and matching.
type vocab struct {
	ops     map[string]*Operation
	vendors map[string]bool
	catalog *apierr.Catalog
}

func newVocab(v Vocabulary) *vocab {
	vc := &vocab{ops: map[string]*Operation{}, vendors: map[string]bool{}, catalog: v.Catalog}
	if vc.catalog == nil {
		vc.catalog, _ = apierr.NewCatalog()
	}
	for i := range v.Operations {
		op := &v.Operations[i]
		vc.ops[op.ID] = op
		vc.vendors[op.Vendor] = true
	}
	return vc
}

// checkOperation explains why an operation pattern is unknown ("" if fine).
func (v *vocab) checkOperation(id string) string {
	if id == "" || id == "*" {
		return ""
	}
	if vendor, ok := strings.CutSuffix(id, ".*"); ok {
		if !v.vendors[vendor] {
			return fmt.Sprintf("unknown vendor %q in operation %q", vendor, id)
		}
		return ""
	}
	if v.ops[id] == nil {
		ids := make([]string, 0, len(v.ops))
		for k := range v.ops {
			ids = append(ids, k)
		}
		sort.Strings(ids)
		return fmt.Sprintf("unknown operation %q (known: %s)", id, strings.Join(ids, ", "))
	}
	return ""
}

// Parse compiles the scenarios of one file (one YAML document per
// scenario, separated by ---). Every problem is reported, with positions.
func Parse(file string, data []byte, v Vocabulary) ([]*Scenario, error) {
	return ParseFiles(v, File{Name: file, Data: data})
}

// File is one scenario file: its name as errors show it, and its text.
type File struct {
	Name string
	Data []byte
}

// ParseFiles compiles files as one set: every problem of every file, with
// positions, and any name defined twice among them.
func ParseFiles(v Vocabulary, files ...File) ([]*Scenario, error) {
	return parseFiles(newVocab(v), files)
}

func parseFiles(vc *vocab, files []File) ([]*Scenario, error) {
	var out []*Scenario
	var errs ErrorList
	first := map[string]*Scenario{}
	for _, f := range files {
		scs, ferrs := parse(f.Name, f.Data, vc)
		errs = append(errs, ferrs...)
		for _, sc := range scs {
			if prev, dup := first[sc.Name]; dup && sc.Name != "" {
				errs = append(errs, Error{File: f.Name, Msg: fmt.Sprintf("scenario %s defined twice (%s and %s)", sc.Name, prev.Source, sc.Source)})
				continue
			}
			first[sc.Name] = sc
			out = append(out, sc)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// parse compiles one file, returning what it could compile beside every
// problem (so a name defined twice is reported with the other mistakes).
func parse(file string, data []byte, vc *vocab) ([]*Scenario, ErrorList) {
	p := &parser{file: file, vocab: vc}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []*Scenario
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			p.errs = append(p.errs, yamlError(file, err))
			break
		}
		if len(doc.Content) == 0 {
			continue
		}
		if sc := p.scenario(doc.Content[0]); sc != nil {
			out = append(out, sc)
		}
	}
	if len(out) == 0 && len(p.errs) == 0 {
		// An editor that truncates before writing shows a reload an empty
		// file for a moment; accepting it would unload the file's scenarios
		// and make the empty version the "last good" one.
		p.errs = append(p.errs, Error{File: file, Line: 1, Col: 1, Msg: "no scenario in this file (an empty file is refused: delete it instead)"})
	}
	return out, p.errs
}

// yamlError turns a yaml.v3 syntax error ("yaml: line 3: …") into an Error.
func yamlError(file string, err error) Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if n, _ := fmt.Sscanf(msg, "line %d:", &line); n == 1 {
		_, msg, _ = strings.Cut(msg, ": ")
		return Error{File: file, Line: line, Col: 1, Msg: msg}
	}
	return Error{File: file, Msg: msg}
}

// Set is an immutable, validated catalog of scenarios, keyed by name.
type Set struct {
	list   []*Scenario
	byName map[string]*Scenario
}

// Lookup finds a scenario by name.
func (s *Set) Lookup(name string) (*Scenario, bool) {
	sc, ok := s.byName[name]
	return sc, ok
}

// All lists the scenarios sorted by name.
func (s *Set) All() []*Scenario { return append([]*Scenario(nil), s.list...) }

// Len is the number of scenarios.
func (s *Set) Len() int { return len(s.list) }

// LoadFS reads every *.yaml / *.yml file of each layer in turn (the
// embedded catalog first, then --scenarios DIR): a scenario of a later layer
// replaces the one of the same name, so a user can override a shipped
// scenario. Within one layer a name must be unique.
func LoadFS(v Vocabulary, layers ...Layer) (*Set, error) {
	vc := newVocab(v)
	set := &Set{byName: map[string]*Scenario{}}
	var errs ErrorList
	for _, l := range layers {
		files, err := ReadFiles(l.FS, l.Name)
		if err != nil {
			return nil, err
		}
		scs, err := parseFiles(vc, files)
		var el ErrorList
		if errors.As(err, &el) {
			errs = append(errs, el...)
			continue
		}
		for _, sc := range scs {
			set.byName[sc.Name] = sc
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	for _, sc := range set.byName {
		set.list = append(set.list, sc)
	}
	sort.Slice(set.list, func(i, j int) bool { return set.list[i].Name < set.list[j].Name })
	return set, nil
}

// Layer is one source of scenario files; Name prefixes file names in
// errors and Source positions (e.g. the directory given to --scenarios).
type Layer struct {
	Name string
	FS   fs.FS
}

// ReadFiles reads the scenario files (*.yaml, *.yml; hidden ones skipped)
// of fsys in name order, naming each prefix/path as errors will show it.
func ReadFiles(fsys fs.FS, prefix string) ([]File, error) {
	var out []File
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case strings.HasPrefix(d.Name(), ".") && p != ".":
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		case d.IsDir() || (path.Ext(p) != ".yaml" && path.Ext(p) != ".yml"):
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		out = append(out, File{Name: path.Join(prefix, p), Data: data})
		return err
	})
	return out, err
}
